"""Retries against the Bot API stand-in: 429 waits as told, 5xx and dropped connections back
off, and nothing is sent twice or given up on too early."""

from __future__ import annotations

import asyncio
from typing import Iterator, List, Optional

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.channels.telegram_retry import RetryPolicy, call_with_retries
from tests.bot_api_standin import BotApiStandIn

CHAT = 4242


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as standin:
        standin.chat_types[CHAT] = "private"
        yield standin


def send(api: BotApiStandIn, text: str, failures=(), policy: Optional[RetryPolicy] = None) -> List[float]:
    """Send one message through call_with_retries; returns the waits it asked for."""
    waits: List[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> None:
        bot = Bot(api.token, base_url=api.base_url)
        async with bot:
            await call_with_retries(
                lambda: bot.send_message(CHAT, text), "sendMessage", policy or RetryPolicy(), sleep=record
            )

    if failures:
        api.fail_next("sendMessage", *failures, retry_after=7, chat_id=CHAT)
    asyncio.run(run())
    return waits


def delivered(api: BotApiStandIn, text: str) -> int:
    return sum(1 for c in api.sent(CHAT) if c.params["text"] == text)


def test_a_rate_limit_is_waited_out_as_telegram_says_and_the_message_is_sent_once(api):
    assert send(api, "after 429", [429]) == [7.0]
    assert delivered(api, "after 429") == 1


def test_server_errors_and_dropped_connections_back_off_and_deliver_once(api):
    waits = send(api, "after 5xx", [500, 502, "drop", 503])
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert delivered(api, "after 5xx") == 1


def test_a_refused_request_is_not_retried(api):
    with pytest.raises(BadRequest):
        send(api, "  ")  # Telegram refuses an empty text
    assert len([c for c in api.calls_of("sendMessage") if c.params.get("text") == "  "]) == 1
    with pytest.raises(Forbidden):
        send(api, "blocked", [403])
    assert delivered(api, "blocked") == 0


def test_after_the_last_attempt_the_error_is_raised(api):
    with pytest.raises(NetworkError):
        send(api, "never", [500, 500, 500], RetryPolicy(attempts=3))
    assert delivered(api, "never") == 0
