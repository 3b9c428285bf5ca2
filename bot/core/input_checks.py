"""Recognise messages Sedia cannot use, so each gets a clear, polite reply.

The checks are about the form of a message (empty, too long, no words, another
script), not its meaning; meaning is the NLU's job.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Optional

from bot.core.messages import message

# Longer messages are not read for meaning: no question of the instrument needs more,
# and the NLU gets slow and unreliable on pages of text.
MAX_MESSAGE_CHARS = 2000

_KEEP_CONTROLS = {"\n", "\t"}
_SPACES = re.compile(r"\s+")
# Terminal escape sequences ("\x1b[31m") pasted from a console: drop them whole.
_ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


class InputProblem(str, Enum):
    """Why a message cannot be used as it is."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_WORDS = "no_words"
    OTHER_SCRIPT = "other_script"


def clean_text(text: Optional[str]) -> str:
    """Drop control and format characters and fold white space; never raises."""
    if not text:
        return ""
    kept = []
    for char in _ANSI_ESCAPES.sub("", str(text)):
        category = unicodedata.category(char)
        if char in _KEEP_CONTROLS or char == "\r":
            kept.append(" ")
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


def _is_latin_letter(char: str) -> bool:
    try:
        return "LATIN" in unicodedata.name(char)
    except ValueError:
        return False


def is_too_long(text: Optional[str]) -> bool:
    """True when a message is longer than Sedia reads. Cheap on any size: a message far
    over the limit is not cleaned first."""
    if not text or len(text) <= MAX_MESSAGE_CHARS:
        return False
    return len(text) > MAX_MESSAGE_CHARS * 4 or len(clean_text(text)) > MAX_MESSAGE_CHARS


def find_problem(text: Optional[str]) -> Optional[InputProblem]:
    """Return what is wrong with a raw message, or None when it can be read."""
    if is_too_long(text):
        return InputProblem.TOO_LONG
    cleaned = clean_text(text)
    if not cleaned:
        return InputProblem.EMPTY
    letters = [c for c in cleaned if c.isalpha()]
    if not letters and not any(c.isdigit() for c in cleaned):
        return InputProblem.NO_WORDS
    if letters:
        latin = sum(1 for c in letters if _is_latin_letter(c))
        if latin * 2 < len(letters):
            return InputProblem.OTHER_SCRIPT
    return None


def explain_problem(problem: InputProblem, text: Optional[str], language: str) -> str:
    """The polite reply that tells the user what was wrong with their message."""
    raw = text or ""
    # A message far over the limit is counted as sent rather than cleaned first.
    length = len(raw) if len(raw) > MAX_MESSAGE_CHARS * 4 else len(clean_text(raw))
    return message(f"input.{problem.value}", language, length=length, limit=MAX_MESSAGE_CHARS)
