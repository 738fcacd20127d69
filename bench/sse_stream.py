#!/usr/bin/env python3
"""Writes the streamed answer the bridge benchmarks serve: EVENTS completion chunks, a usage chunk and [DONE].

    sse_stream.py PATH EVENTS
"""
import json
import sys


def main():
    path, events = sys.argv[1], int(sys.argv[2])
    dump = lambda value: json.dumps(value, separators=(",", ":"))
    chunk = lambda extra: {"id": "cmpl-bench", "object": "text_completion", "created": 1, "model": "bench-model",
                           **extra}
    stream = "".join("data: " + dump(chunk({"choices": [{"index": 0, "text": f"token{i} ", "finish_reason": None}]}))
                     + "\n\n" for i in range(events))
    stream += "data: " + dump(chunk({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": events,
                                                               "total_tokens": 12 + events}})) + "\n\n"
    with open(path, "w") as out:
        out.write(stream + "data: [DONE]\n\n")


if __name__ == "__main__":
    main()
