"""The widget on a staff portal that signs users in: with a JWT key set, only sockets with
a valid token connect, a signed-in user has the same conversation on every device, and
the institution the token names is recorded as their sign-in."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator

import jwt
import pytest

from bot.cli.launcher import free_port
from tests.browser.conftest import WidgetChat, web_url
from tests.e2e.conftest import Running, running_sedia
from tests.e2e.interviews import INSTRUMENT, scale_label

KEY = "portal-signing-key-for-sedia-widget-tests"


class PortalPages:
    """A staff portal on its own origin (another port on 127.0.0.1) that embeds the widget
    from Sedia's web app, passing each user's token: one page per token."""

    def __init__(self) -> None:
        self.port = free_port()
        self.pages: Dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "").encode("utf-8")
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, sedia: Running, token: str) -> str:
        path = f"/portal/{len(self.pages)}"
        self.pages[path] = (
            '<!doctype html><html lang="en"><head><title>Staff portal</title></head><body>'
            "<main><h1>Staff portal</h1></main>"
            f'<script src="{web_url(sedia)}widget/sedia-widget.js" defer></script>'
            f'<div data-sedia-chat data-server="http://127.0.0.1:{sedia.stack.rasa_port}" data-token="{token}"></div>'
            "</body></html>"
        )
        return self.origin + path


@pytest.fixture(scope="module")
def portal() -> Iterator[PortalPages]:
    pages = PortalPages()
    yield pages
    pages.server.shutdown()


@pytest.fixture(scope="module")
def sedia_portal(tmp_path_factory, portal) -> Iterator[Running]:
    env = {"SEDIA_WIDGET_JWT_KEY": KEY, "SEDIA_WIDGET_ORIGINS": portal.origin}
    with running_sedia(tmp_path_factory.mktemp("portal"), env) as running:
        yield running


def portal_page(browser, portal: PortalPages, sedia: Running, token: str):
    """A fresh browser (a new device) on a portal page whose widget carries `token`."""
    context = browser.new_context()
    return context, WidgetChat(context.new_page(), portal.add(sedia, token))


def test_a_signed_in_user_continues_on_another_device_and_no_token_means_no_chat(browser, portal, sedia_portal):
    # The portal names the institution it signed the user in for (issue 19).
    token = jwt.encode(
        {"sub": "staff-0042@upm.edu.my", "institution": "Universiti Putra Malaysia"}, KEY, algorithm="HS256"
    )
    laptop, chat = portal_page(browser, portal, sedia_portal, token)
    chat.open()
    chat.press("Start the readiness assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    chat.press(scale_label(3, "en"))
    assert chat.current_item() == INSTRUMENT.items[1]
    laptop.close()

    phone, other = portal_page(browser, portal, sedia_portal, token)  # nothing in its storage
    other.open()
    other.say("continue")
    assert other.current_item() == INSTRUMENT.items[1]
    stored = sedia_portal.db.answers(other.sender, "socketio")
    assert [(r["item"], r["value"]) for r in stored] == [(INSTRUMENT.items[0].id, 3)]
    assert "staff-0042" not in other.sender  # a pseudonym, never the portal's user id
    # Recorded once they consented: an institution that requires a sign-in counts them.
    signed_in = sedia_portal.db.rows(
        "SELECT institution, method FROM sign_ins WHERE respondent_id = :rid",
        rid=sedia_portal.db.respondent(other.sender, "socketio"),
    )
    assert signed_in == [{"institution": "Universiti Putra Malaysia", "method": "portal"}]
    phone.close()

    for bad in ("", jwt.encode({"sub": "intruder"}, "a-key-that-is-not-the-portals-own-key", algorithm="HS256")):
        context, stranger = portal_page(browser, portal, sedia_portal, bad)
        stranger.page.goto(stranger.url)
        stranger.page.get_by_role("button", name="Chat with Sedia").click()
        stranger.page.get_by_text("Offline: reconnecting").wait_for(timeout=30_000)
        assert stranger.page.locator(".sedia-from-bot").count() == 0
        context.close()
