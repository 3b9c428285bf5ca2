"""Rate limits (issue 19) with their production values: sign-in per address and per name,
where another address's failures cannot lock an owner out; Argon2 on its own threads; API
tokens per address; the widget per session; Redis shared between replicas."""

from __future__ import annotations

import asyncio
import threading
from typing import List

import pytest
import redis

from bot.channels.socketio import WidgetSocketIO
from bot.config.settings import SettingError, rate_limit_overrides
from bot.dashboard import auth
from bot.dashboard.sign_in import sign_in
from bot.service.rate_limits import RateLimits
from bot.storage import accounts
from bot.storage.db import session_scope

PASSWORD = "twelve chars plus"
REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def ana(database_url):
    with session_scope() as session:
        accounts.add_user(session, "ana", PASSWORD, "manager", "Universiti Malaya")
    return "ana"


def _sign_in(limits: RateLimits, password: str, address: str, name: str = "ana"):
    return asyncio.run(sign_in(name, password, address, limits))


def test_an_attempt_refused_is_not_counted_and_says_when_to_retry():
    limits = RateLimits()
    assert [limits.allow("sign_in_failures_name_address", "ana", "10.0.0.1") for _ in range(6)] == [True] * 5 + [False]
    assert 890 <= limits.retry_after("sign_in_failures_name_address", "ana", "10.0.0.1") <= 900
    assert limits.is_clean("sign_in_failures_name_address", "ana", "10.0.0.2")
    limits.record("sign_in_failures_name", "ana")
    assert not limits.is_clean("sign_in_failures_name", "ana")


def test_the_rules_can_be_set_otherwise_but_not_misnamed():
    assert rate_limit_overrides({"SEDIA_RATE_LIMITS": "plan_link=10/hour, api_address=5/minute"}) == {
        "plan_link": "10/hour",
        "api_address": "5/minute",
    }
    with pytest.raises(SettingError, match="rule=limit"):
        rate_limit_overrides({"SEDIA_RATE_LIMITS": "plan_link"})
    with pytest.raises(SettingError, match="names no rule sign_in"):
        RateLimits(overrides={"sign_in": "1/minute"})
    with pytest.raises(SettingError):
        RateLimits(overrides={"plan_link": "often"})
    assert RateLimits(overrides={"plan_link": "1/hour"}).allow("plan_link", "x")


def test_replicas_share_their_counts_through_redis():
    redis.Redis.from_url(REDIS_URL).flushdb()
    one, two = RateLimits(REDIS_URL), RateLimits(REDIS_URL)
    for _ in range(5):
        assert one.allow("sign_in_failures_name_address", "ana", "10.0.0.1")
    assert not two.allow("sign_in_failures_name_address", "ana", "10.0.0.1")
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_five_failures_from_one_address_refuse_even_the_right_password_there_only(ana):
    limits = RateLimits()
    for _ in range(5):
        assert _sign_in(limits, "not the password", "10.0.0.1").status == 401
    refused = _sign_in(limits, PASSWORD, "10.0.0.1")
    assert refused.status == 429 and "Too many failed sign-ins" in refused.refusal and refused.opened is None
    # The owner, elsewhere, is not locked out by someone else's guessing.
    assert _sign_in(limits, PASSWORD, "10.0.0.9").opened is not None


def test_guessing_one_name_from_many_addresses_is_stopped_without_locking_out_its_owner(ana):
    limits = RateLimits()
    for n in range(20):
        assert _sign_in(limits, "not the password", f"10.0.1.{n}").status == 401
    # Every address that guessed is refused now, even with the right password ...
    assert _sign_in(limits, PASSWORD, "10.0.1.3").status == 429
    # ... and a new address that guesses gets one try, then is refused too.
    assert _sign_in(limits, "still not it", "10.0.2.1").status == 401
    assert _sign_in(limits, PASSWORD, "10.0.2.1").status == 429
    # The owner's first attempt from a clean address goes through.
    assert _sign_in(limits, PASSWORD, "10.0.3.1").opened is not None


def test_one_address_gets_ten_sign_ins_a_minute_and_no_password_check_beyond(ana, monkeypatch):
    checked: List[str] = []
    real = accounts.password_matches

    def counting(record, password):
        checked.append(threading.current_thread().name)
        return real(record, password)

    monkeypatch.setattr(accounts, "password_matches", counting)
    limits = RateLimits()
    results = [_sign_in(limits, PASSWORD, "10.0.0.1") for _ in range(11)]
    assert all(r.opened is not None for r in results[:10])
    assert results[10].status == 429 and "from this address" in results[10].refusal
    # Ten Argon2 checks, all on the password threads, none for the refused attempt.
    assert len(checked) == 10 and all(name.startswith("sedia-argon2") for name in checked)


def test_an_address_that_sent_ten_unknown_tokens_is_refused_before_its_next_token_is_read(ana, monkeypatch):
    limits = RateLimits()
    monkeypatch.setattr(auth, "rate_limits", lambda: limits)
    with session_scope() as session:
        token = accounts.issue_token(session, "ana", "script")
    for n in range(10):
        assert auth._token_account(f"sedia_forged{n}_x", "10.0.0.1") is None
    with pytest.raises(auth.Refused) as refused:
        auth._token_account(token, "10.0.0.1")
    assert refused.value.status == 429
    assert auth._token_account(token, "10.0.0.2").username == "ana"


def test_a_widget_session_sending_too_fast_is_told_to_wait_and_its_message_is_not_taken(sqlite_url, monkeypatch):
    from bot.channels import socketio as widget

    limits = RateLimits(overrides={"widget_message_session": "2/minute"})
    monkeypatch.setattr(widget, "rate_limits", lambda: limits)
    handled: List[str] = []
    sent: List[dict] = []

    async def on_new_message(message) -> None:
        handled.append(message.text)

    channel = WidgetSocketIO.from_credentials({"session_persistence": True})
    channel.blueprint(on_new_message)
    sio = channel.sio

    async def emit(event, data=None, room=None, **kwargs):
        sent.append({"event": event, "data": data})

    monkeypatch.setattr(sio, "emit", emit)
    monkeypatch.setattr(sio, "enter_room", lambda *args, **kwargs: None)
    handlers = sio.handlers["/"]

    async def chat() -> None:
        assert await handlers["connect"]("sid-1", {}, None) is True
        await handlers["session_request"]("sid-1", {})
        for n in range(3):
            await handlers["user_uttered"]("sid-1", {"message": f"answer {n}", "message_id": f"m{n}"})

    asyncio.run(chat())
    assert handled == ["answer 0", "answer 1"]
    texts = [s["data"].get("text") for s in sent if isinstance(s["data"], dict) and s["data"].get("text")]
    assert any("faster than I can read" in t for t in texts)
    states = [s["data"]["custom"]["sedia_state"] for s in sent if "custom" in (s["data"] or {})]
    assert states[-1]["failed"] == "m2"  # the widget will not resend it behind the person's back
