"""What every channel checks before a message may reach the NLU: its size, and whether
the client sent it before.

- **Size.** A message longer than Sedia reads (`bot.core.input_checks.MAX_MESSAGE_CHARS`) is
  answered by the channel itself, politely and in the conversation's language; spaCy and
  DIET never see it.
- **Retries.** A client that did not hear back sends the same message again with the
  same message id. The first delivery claims the id in the database
  (`bot/storage/received.py`), atomically across replicas; a later delivery is dropped.
  A message that could not be handled gives its claim back, so its retry is handled.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional, Set

from bot.core.input_checks import InputProblem, explain_problem, is_too_long
from bot.core.instrument import LANGUAGES
from bot.core.language import chosen_language, detect_language
from bot.storage import received
from bot.storage.db import off_loop, session_scope

logger = logging.getLogger(__name__)

# About ten minutes of retries while the database is away.
_RELEASE_ATTEMPTS = 70
# A client's message id is a UUID or similar: anything longer is not an id.
MAX_MESSAGE_ID_CHARS = 128
# Enough of a message to tell its language.
_LANGUAGE_SAMPLE = 1000


def client_message_id(value: Any) -> Optional[str]:
    """The client's message id when it is a usable one (a short non-empty string)."""
    if isinstance(value, str) and 0 < len(value.strip()) <= MAX_MESSAGE_ID_CHARS:
        return value.strip()
    return None


def reply_language(text: str, hinted: Any = None) -> str:
    """The language to answer a refused message in: the client's hint, else the
    message's own words, else English."""
    if hinted in LANGUAGES:
        return str(hinted)
    return detect_language(text[:_LANGUAGE_SAMPLE]) or "en"


async def stored_language(tracker_store: Any, sender: str) -> Optional[str]:
    """The conversation's own language (its `language` slot), or None when it has none
    yet or the tracker store cannot be read."""
    try:
        tracker = await tracker_store.retrieve(sender) if tracker_store is not None else None
    except Exception:
        return None
    return chosen_language(tracker)


async def answer_language(tracker_store: Any, sender: str, text: str, hinted: Any = None) -> str:
    """The language a channel answers in by itself: the conversation's own, else the
    client's hint or the message's words (`reply_language`)."""
    return await stored_language(tracker_store, sender) or reply_language(text, hinted)


def too_long_reply(text: str, language: str) -> Optional[str]:
    """The reply to a message too long to read, or None when its size is fine."""
    if not is_too_long(text):
        return None
    return explain_problem(InputProblem.TOO_LONG, text, language)


class ReceivedMessages:
    """Claims on client message ids for one channel, taken off the event loop."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._releasing: Set["asyncio.Task[None]"] = set()

    async def first_delivery(self, sender: str, message_id: Optional[str]) -> bool:
        """True when this message has not been received before (always, without an id)."""
        if message_id is None:
            return True
        return await off_loop(self._claim, received.message_key(sender, message_id))

    async def give_back(self, sender: str, message_id: Optional[str]) -> None:
        """Release the claim of a message that could not be handled. When the database is
        what failed, keep trying in the background until it answers, so the client's
        retry is not mistaken for a repeat."""
        if message_id is None:
            return
        key = received.message_key(sender, message_id)
        if not await self._try_release(key):
            task = asyncio.get_running_loop().create_task(self._release_later(key))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)

    async def _try_release(self, key: str) -> bool:
        try:
            await off_loop(self._release, key)
            return True
        except Exception as error:
            logger.warning("Could not give back a %s message id yet (%s)", self.channel, type(error).__name__)
            return False

    async def _release_later(self, key: str) -> None:
        delay = 0.5
        for _ in range(_RELEASE_ATTEMPTS):
            await asyncio.sleep(delay)
            if await self._try_release(key):
                return
            delay = min(delay * 2, 10.0)
        logger.error("Gave up giving back a %s message id; its retry will be taken as a repeat", self.channel)

    def _claim(self, key: str) -> bool:
        with session_scope() as session:
            return received.claim(session, self.channel, key)

    def _release(self, key: str) -> None:
        with session_scope() as session:
            received.release(session, self.channel, key)
