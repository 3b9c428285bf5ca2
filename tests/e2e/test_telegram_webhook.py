"""Sedia's Telegram channel in webhook mode: the secret token is checked, and each
update is handled once, also when Telegram delivers it again after a restart."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Iterator, Optional, Tuple

import pytest

from bot.cli.launcher import Service
from tests.bot_api_standin import TelegramUser, wait_until
from tests.e2e.conftest import Running, running_sedia
from tests.e2e.telegram_chat import processed, telegram_environment

SECRET = "sedia-webhook_secret-42"
PUBLIC_URL = "https://sedia.example.edu.my/webhooks/telegram/webhook"


@pytest.fixture(scope="module")
def api(telegram_api):
    return telegram_api


@pytest.fixture(scope="module")
def sedia_hook(api, tmp_path_factory) -> Iterator[Running]:
    env = telegram_environment(
        api,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL=PUBLIC_URL,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    with running_sedia(tmp_path_factory.mktemp("webhook"), env, with_web=False) as running:
        wait_until(lambda: api.webhook.get("url"), 60, "the webhook to be set")
        yield running


def deliver(sedia: Running, body: object, secret: Optional[str]) -> Tuple[int, dict]:
    """POST to the webhook as Telegram would."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        f"http://127.0.0.1:{sedia.stack.rasa_port}/webhooks/telegram/webhook",
        data=data,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def status(sedia: Running) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{sedia.stack.rasa_port}/webhooks/telegram/", timeout=10) as r:
        return json.loads(r.read())


def test_the_webhook_is_set_with_the_secret_and_polling_is_off(api, sedia_hook):
    assert api.webhook == {
        "url": PUBLIC_URL,
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
    assert api.calls_of("getUpdates") == []
    assert status(sedia_hook) == {"status": "ready", "mode": "webhook"}


def test_a_wrong_or_missing_secret_gets_403_and_is_not_handled(api, sedia_hook):
    user = TelegramUser(api, 810000001)
    update = {"update_id": 5001, "message": user.message_body(text="/start")}
    for secret in (None, "", "not-the-secret", SECRET[:-1]):
        code, body = deliver(sedia_hook, update, secret)
        assert code == 403 and body["ok"] is False, secret
    assert not processed(sedia_hook.db, 5001)
    assert api.sent(user.chat_id) == []


def test_the_right_secret_is_handled_once_even_when_delivered_again(api, sedia_hook):
    user = TelegramUser(api, 810000002)
    update = {"update_id": 5002, "message": user.message_body(text="/start")}
    assert deliver(sedia_hook, update, SECRET) == (200, {"ok": True})
    [greeting] = api.sent(user.chat_id)
    assert "I'm Sedia" in greeting.params["text"]
    assert deliver(sedia_hook, update, SECRET) == (200, {"ok": True})  # Telegram retries
    assert len(api.sent(user.chat_id)) == 1
    # Telegram delivers it once more after the server restarts: still handled once.
    rasa: Service = next(s for s in sedia_hook.stack.services if s.name == "Rasa server")
    rasa.stop()
    rasa.start(sedia_hook.env)
    wait_until(rasa.is_ready, 240, "Rasa to restart")
    wait_until(lambda: status(sedia_hook)["status"] == "ready", 60, "the channel to be ready")
    assert deliver(sedia_hook, update, SECRET) == (200, {"ok": True})
    assert len(api.sent(user.chat_id)) == 1
    # A new message after the restart is answered.
    followup = {"update_id": 5003, "message": user.message_body(text="/help")}
    assert deliver(sedia_hook, followup, SECRET) == (200, {"ok": True})
    assert "Here is what I can do" in api.sent(user.chat_id)[-1].params["text"]


def test_a_body_that_is_not_an_update_gets_400(api, sedia_hook):
    for body in ("not json", "[1, 2]", {"message": {"text": "no update id"}}):
        code, answer = deliver(sedia_hook, body, SECRET)
        assert code == 400 and answer["ok"] is False, body


def test_an_update_that_could_not_be_taken_in_is_not_acknowledged(api, sedia_hook):
    """The bookkeeping fails (its table is gone for a while): the webhook answers 503, so
    Telegram delivers the update again, and that delivery is handled once."""
    import sqlite3

    path = sedia_hook.database_url.replace("sqlite:///", "", 1)
    user = TelegramUser(api, 810000009)
    update = {"update_id": 5900, "message": user.message_body(text="/help")}
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE processed_updates RENAME TO processed_updates_away")
    try:
        code, body = deliver(sedia_hook, update, SECRET)
        assert code == 503 and body["ok"] is False
        assert api.sent(user.chat_id) == []
    finally:
        with sqlite3.connect(path) as connection:
            connection.execute("ALTER TABLE processed_updates_away RENAME TO processed_updates")
    assert deliver(sedia_hook, update, SECRET) == (200, {"ok": True})
    assert deliver(sedia_hook, update, SECRET) == (200, {"ok": True})
    assert len([c for c in api.sent(user.chat_id) if "Here is what I can do" in c.params["text"]]) == 1
    assert status(sedia_hook)["status"] == "ready"
