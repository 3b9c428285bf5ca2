"""What every channel checks before a message may reach the NLU: its size, and whether
the client sent it before.

- **Size.** A message longer than Sedia reads (`bot.core.input_checks.MAX_MESSAGE_CHARS`) is
  answered by the channel itself, politely and in the conversation's language; spaCy and
  DIET never see it.
- **Retries.** A client that did not hear back sends the same message again with the
  same message id; `bot.service.received_messages` tells the first delivery from a
  repeat.
"""

from __future__ import annotations

from typing import Any, Optional

from bot.core.input_checks import InputProblem, explain_problem, is_too_long
from bot.core.instrument import LANGUAGES
from bot.core.language import chosen_language, detect_language

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
