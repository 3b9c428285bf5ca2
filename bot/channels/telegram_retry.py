"""Retrying calls to the Telegram Bot API without losing or doubling a message.

Telegram answers 429 with the seconds to wait (`retry_after`); that wait is honoured.
Server errors (5xx) and network errors are retried with exponential backoff. A request
Telegram refused as invalid (400), forbidden (403) or unauthorised is not retried:
sending it again cannot succeed.

A retried call is only repeated when Telegram said it did not act on it (429, 5xx) or
the request never reached it (connection errors), so a retry does not send a message
twice. A read timeout is the one ambiguous case; the read timeout is long enough
(`SEND_READ_TIMEOUT`) that it means Telegram is unreachable rather than slow.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Optional, TypeVar

from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

logger = logging.getLogger(__name__)
T = TypeVar("T")

SEND_READ_TIMEOUT = 30.0
NOT_RETRIED = (BadRequest, Forbidden, InvalidToken, ChatMigrated, Conflict)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is retried."""

    attempts: int = 12
    first_delay: float = 0.5
    max_delay: float = 30.0


DEFAULT_POLICY = RetryPolicy()


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form will become a timedelta
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def backoff_delays(policy: RetryPolicy):
    """The waits between attempts after a server or network error: doubling, capped."""
    delay = policy.first_delay
    while True:
        yield delay
        delay = min(delay * 2, policy.max_delay)


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    what: str,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `call` until it succeeds, retrying 429, 5xx and network errors.

    Raises the last error when the attempts run out, or at once when the error is one
    that a retry cannot fix.
    """
    delays = backoff_delays(policy)
    last_error: Optional[Exception] = None
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call()
        except NOT_RETRIED:
            raise
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            last_error = error
        except NetworkError as error:
            wait = next(delays)
            last_error = error
        if attempt == policy.attempts:
            break
        logger.warning("Telegram %s failed (%s); attempt %d, retrying in %.1fs", what, last_error, attempt, wait)
        await sleep(wait)
    assert last_error is not None
    raise last_error
