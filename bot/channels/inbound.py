"""What every channel checks before a message may reach the NLU: its size, and whether
the client sent it before.

- **Size.** A message longer than Sedia reads (`bot.input_checks.MAX_MESSAGE_CHARS`) is
  answered by the channel itself, politely and in the conversation's language; spaCy and
  DIET never see it.
- **Retries.** A client that did not hear back sends the same message again with the
  same message id. The first delivery claims the id in the database
  (`bot/storage/received.py`), atomically across replicas; a later delivery is dropped.
  A message that could not be handled gives its claim back, so its retry is handled.
"""
from __future__ import annotations

from typing import Any, Optional

from bot.input_checks import InputProblem, explain_problem, is_too_long
from bot.instrument import LANGUAGES
from bot.language import detect_language
from bot.storage import received
from bot.storage.db import off_loop, session_scope

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


def too_long_reply(text: str, language: str) -> Optional[str]:
    """The reply to a message too long to read, or None when its size is fine."""
    if not is_too_long(text):
        return None
    return explain_problem(InputProblem.TOO_LONG, text, language)


class ReceivedMessages:
    """Claims on client message ids for one channel, taken off the event loop."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def first_delivery(self, sender: str, message_id: Optional[str]) -> bool:
        """True when this message has not been received before (always, without an id)."""
        if message_id is None:
            return True
        return await off_loop(self._claim, received.message_key(sender, message_id))

    async def give_back(self, sender: str, message_id: Optional[str]) -> None:
        """Release the claim of a message that could not be handled."""
        if message_id is not None:
            await off_loop(self._release, received.message_key(sender, message_id))

    def _claim(self, key: str) -> bool:
        with session_scope() as session:
            return received.claim(session, self.channel, key)

    def _release(self, key: str) -> None:
        with session_scope() as session:
            received.release(session, self.channel, key)
