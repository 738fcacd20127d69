#!/usr/bin/env python3
"""A fake OpenAI-compatible runner for the streaming benchmark: every POST gets a chunked text/event-stream of
EVENTS chat-completion chunks, one every INTERVAL_MS milliseconds, then a usage chunk and [DONE], as llama.cpp's
server streams. The first event is sent at once, so the time to the first event is the path's own latency.

    fake_runner.py PORT EVENTS INTERVAL_MS
"""
import asyncio
import json
import sys


def event(payload):
    data = f"data: {payload}\n\n".encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def chunk(index):
    return json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
                       "model": "bench-model",
                       "choices": [{"index": 0, "delta": {"content": f"token{index} "}, "finish_reason": None}]})


USAGE = json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": "bench-model",
                    "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 0, "total_tokens": 12}})


async def serve(reader, writer, events, interval):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for index in range(events):
                if index:
                    await asyncio.sleep(interval)
                writer.write(event(chunk(index)))
                await writer.drain()
            writer.write(event(USAGE.replace('"completion_tokens": 0', f'"completion_tokens": {events}')))
            writer.write(event("[DONE]") + b"0\r\n\r\n")
            await writer.drain()
            if b"connection: close" in head.lower():
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    port, events, interval = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
    server = await asyncio.start_server(lambda r, w: serve(r, w, events, interval), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
