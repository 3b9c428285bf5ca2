"""Chat with Sedia in a terminal (`make shell`), over the REST channel.

If Sedia is not running yet, the shell starts it (and stops it on exit). Buttons are
shown as numbered choices: type the number to press one, or type anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import List, Optional

from bot.cli.launcher import Stack
from bot.config.shared_secrets import REST_TOKEN, existing_secret

DEFAULT_URL = "http://127.0.0.1:5005"


def send(base_url: str, sender: str, text: str, timeout: float = 120.0) -> List[dict]:
    """Post one message to the REST webhook and return Sedia's replies."""
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    # SEDIA_REST_TOKEN, or the one `make run-prod` generated into the data folder.
    token = existing_secret(REST_TOKEN)
    if token:  # a server without a token ignores it
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base_url}/webhooks/rest/webhook", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def render(replies: List[dict]) -> List[dict]:
    """Print replies; return the buttons of the last message that had any."""
    buttons: List[dict] = []
    for reply in replies:
        if reply.get("text"):
            print(f"Sedia: {reply['text']}")
        if reply.get("buttons"):
            buttons = reply["buttons"]
            for number, button in enumerate(buttons, start=1):
                print(f"   {number}) {button['title']}")
    return buttons


def is_up(base_url: str) -> bool:
    """True when a Rasa server answers at `base_url`."""
    try:
        with urllib.request.urlopen(base_url + "/", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def chat(base_url: str, sender: str) -> None:
    """Read lines from the terminal until EOF or /quit, and print Sedia's replies."""
    print('Type a message and press Enter. "/quit" or Ctrl-D ends the chat.')
    buttons: List[dict] = render(send(base_url, sender, "hello"))
    while True:
        try:
            line = input("You: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.strip() in ("/quit", "/exit"):
            return
        stripped = line.strip()
        if stripped.isdigit() and buttons and 1 <= int(stripped) <= len(buttons):
            line = buttons[int(stripped) - 1]["payload"]
        try:
            buttons = render(send(base_url, sender, line))
        except (urllib.error.URLError, OSError) as error:
            print(f"(Sedia did not answer: {error}. Is `make run` still running?)")


def main(argv: Optional[List[str]] = None) -> int:
    """Chat with a running Sedia, or start one for the length of the chat."""
    parser = argparse.ArgumentParser(description="Chat with Sedia in a terminal")
    parser.add_argument("--url", default=DEFAULT_URL, help="the Rasa server")
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    stack: Optional[Stack] = None
    if not is_up(args.url):
        print("Sedia is not running; starting it for this chat (about half a minute)...")
        stack = Stack(with_web=False)
        stack.start()
    try:
        chat(args.url, args.sender)
    finally:
        if stack is not None:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
