#!/usr/bin/env python3
"""Print a conversation with a running gateway as a readable transcript.

    .venv/bin/python scripts/transcript.py --gateway http://127.0.0.1:8080 "مرحبا" "/legal_advice"

Each argument is one user turn (typed text, or a button payload such as /health). Cards are
printed as their plain-text form, buttons as [title].
"""
from __future__ import annotations

import argparse
import sys

import requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--language", help="browser language sent as metadata")
    parser.add_argument("turns", nargs="+")
    args = parser.parse_args()
    conversation = None
    for n, text in enumerate(args.turns, 1):
        body = {"text": text}
        if conversation:
            body["conversation_id"] = conversation
        if args.language:
            body["metadata"] = {"language": args.language}
        answer = requests.post(f"{args.gateway}/api/chat", json=body, timeout=60).json()
        conversation = answer["conversation_id"]
        print(f"\n### turn {n} — user: {text}   (conversation language: {answer.get('language')})")
        for reply in answer["replies"]:
            custom = reply.get("custom") or {}
            if custom.get("type") == "service_card":
                print("  [card]\n    " + custom["text"].replace("\n", "\n    "))
            elif reply.get("text"):
                print("  bot: " + reply["text"].replace("\n", "\n       "))
            if reply.get("buttons"):
                print("       " + " ".join(f"[{b['title']}]" for b in reply["buttons"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
