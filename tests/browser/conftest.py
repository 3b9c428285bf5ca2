"""Browser tests: Debian's Chromium, driven by Playwright, against the real stack.

No browser is downloaded: Playwright starts /usr/bin/chromium (`make test` installs the
Debian package when it is missing). Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from bot.cli.launcher import REPO_ROOT
from tests.e2e.conftest import ReadsReplies, Reply, Running, running_sedia

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
# Chromium as root, headless, with nothing that reaches for the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
_INDEX = re.compile(r"(\d+)/100")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sedia_web(tmp_path_factory) -> Iterator[Running]:
    with running_sedia(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture
def widget(browser, sedia_web) -> Iterator["WidgetChat"]:
    """A new browser (its own storage) on the demo page, closed after the test."""
    context = browser.new_context()
    yield WidgetChat(context.new_page(), web_url(sedia_web))
    context.close()


def web_url(sedia: Running) -> str:
    return f"http://127.0.0.1:{sedia.stack.web_port}/"


def shot(page, name: str) -> Path:
    """Save a screenshot as a test artifact."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


class WidgetChat(ReadsReplies):
    """A member of staff using the widget on the demo page, with the same reading helpers
    as the REST chat, so the interview helpers drive the browser too."""

    channel = "socketio"

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.last: List[Reply] = []

    def open(self) -> "WidgetChat":
        self.page.goto(self.url)
        self._turn(lambda: self.page.get_by_role("button", name="Chat with Sedia").click())
        return self

    @property
    def sender(self) -> str:
        """The widget's session id: Rasa's sender id for the conversation."""
        saved = self.page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('sedia-chat:'))")
        return json.loads(saved[1])["sessionId"]

    def bot_messages(self) -> int:
        return self.page.locator(".sedia-from-bot").count()

    def _turn(self, action) -> List[Reply]:
        before = self.bot_messages()
        action()
        self.page.wait_for_selector(".sedia-typing", state="hidden", timeout=120_000)
        messages = self.page.locator(".sedia-from-bot")
        self.last = []
        for index in range(before, messages.count()):
            message = messages.nth(index)
            custom = {"chart": True} if message.locator(".sedia-chart").count() else None
            text = message.locator(".sedia-text, .sedia-chart, .sedia-document").first.inner_text()
            titles = [
                b.get_attribute("data-title") or b.inner_text() for b in message.locator(".sedia-buttons button").all()
            ]
            self.last.append(Reply(text, [{"title": t, "payload": t} for t in titles], custom))
        return self.last

    def say(self, text: str) -> List[Reply]:
        box = self.page.get_by_role("textbox", name="Message to Sedia")

        def send() -> None:
            box.fill(text)
            box.press("Enter")

        return self._turn(send)

    def press(self, title: str) -> List[Reply]:
        button = self.page.locator(".sedia-log").get_by_role("button", name=title, exact=True).last
        return self._turn(button.click)

    def summary(self) -> Optional[dict]:
        for reply in self.last:
            if reply.custom and reply.custom.get("chart"):
                found = _INDEX.search(reply.text)
                return {"index": int(found.group(1)) if found else None, "text": reply.text}
        return None
