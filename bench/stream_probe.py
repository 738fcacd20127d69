#!/usr/bin/env python3
"""Times streamed completions: for each request, the time to the first server-sent event and to the end of the
stream. The targets are taken in turn (A, B, A, B...), so both see the same machine; a new connection per request.

    stream_probe.py REQUESTS LABEL=http://127.0.0.1:PORT/path [LABEL=URL ...]

Prints one line per target: label, requests, then median and min-max of the first-event and total times in ms,
and the median over the pairs of (target - first target) for both.
"""
import json
import socket
import statistics
import sys
import time
from urllib.parse import urlsplit

BODY = json.dumps({"model": "bench-model", "stream": True,
                   "messages": [{"role": "user", "content": "Say something for the benchmark."}]}).encode()


def timed_stream(url):
    parts = urlsplit(url)
    request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
               f"Accept: text/event-stream\r\nContent-Length: {len(BODY)}\r\nConnection: close\r\n\r\n").encode() + BODY
    start = time.perf_counter()
    first = None
    received = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        # The end is the last chunk after [DONE] (or the connection closing, if the answer is not chunked).
        while not (b"[DONE]" in received[-200:] and received.endswith(b"0\r\n\r\n")):
            data = sock.recv(65536)
            if not data:
                break
            received += data
            if first is None and b"data:" in received:
                first = time.perf_counter()
    end = time.perf_counter()
    if first is None or b"[DONE]" not in received:
        raise SystemExit(f"{url}: the stream ended without its events: {bytes(received[:300])!r}")
    return (first - start) * 1000, (end - start) * 1000


def spread(values):
    values = sorted(values)
    return f"{statistics.median(values):.1f} ({values[0]:.1f}-{values[-1]:.1f})"


def main():
    requests = int(sys.argv[1])
    targets = [arg.split("=", 1) for arg in sys.argv[2:]]
    results = {label: [] for label, _ in targets}
    for label, url in targets:  # warm-up
        for _ in range(3):
            timed_stream(url)
    for _ in range(requests):
        for label, url in targets:
            results[label].append(timed_stream(url))
    base = results[targets[0][0]]
    for label, _ in targets:
        runs = results[label]
        first_delta = [r[0] - b[0] for r, b in zip(runs, base)]
        total_delta = [r[1] - b[1] for r, b in zip(runs, base)]
        print("\t".join([label, str(len(runs)), spread([r[0] for r in runs]), spread([r[1] for r in runs]),
                         f"{statistics.median(first_delta):+.1f}", f"{statistics.median(total_delta):+.1f}"]))


if __name__ == "__main__":
    main()
