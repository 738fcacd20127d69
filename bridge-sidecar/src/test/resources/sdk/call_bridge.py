"""One request to the model bridge with an official SDK; prints what the SDK made of the answer as one JSON line.

Usage: python call_bridge.py '{"sdk": "anthropic"|"openai", "base_url": "...", "model": "...",
                               "max_retries": 2, "extra_body": {...}}'
"""
import json
import sys

args = json.loads(sys.argv[1])
sdk = args["sdk"]
messages = [{"role": "user", "content": "hi"}]
outcome = {}
try:
    if sdk == "anthropic":
        import anthropic

        client = anthropic.Anthropic(base_url=args["base_url"], api_key="unused", max_retries=args["max_retries"])
        answer = client.messages.create(model=args["model"], max_tokens=16, messages=messages,
                                        extra_body=args.get("extra_body"))
        outcome = {"answer": answer.content[0].text}
    else:
        import openai

        client = openai.OpenAI(base_url=args["base_url"] + "/v1", api_key="unused", max_retries=args["max_retries"])
        answer = client.chat.completions.create(model=args["model"], max_tokens=16, messages=messages,
                                                extra_body=args.get("extra_body"))
        outcome = {"answer": answer.choices[0].message.content}
except Exception as e:  # what the SDK raised is the result
    outcome = {
        "exception": type(e).__name__,
        "status": getattr(e, "status_code", None),
        # Anthropic: error.message of the body; OpenAI: the SDK's own line, which quotes the body
        "message": getattr(e, "api_message", None) or getattr(e, "message", str(e)),
        "type": getattr(e, "type", None),
        "code": getattr(e, "code", None),
        "body": getattr(e, "body", None),
    }
print(json.dumps(outcome))
