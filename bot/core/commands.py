"""Whether a message really names a command that changes stored data.

Inside the interview, "delete my data" and "change my profile" end the current question,
so Sedia acts on them only when the words say so (bot/core/command_cues.yml) or a button sent
the intent. The NLU's intent alone is not enough: it reads some stray words with high
confidence as one of them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot.core.input_checks import clean_text

CUES_PATH = Path(__file__).with_name("command_cues.yml")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=None)
def command_cues() -> Dict[str, Tuple[str, ...]]:
    """Each guarded intent's word stems, both languages together."""
    with CUES_PATH.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {intent: tuple(s for stems in by_language.values() for s in stems) for intent, by_language in raw.items()}


def is_guarded(intent: Optional[str]) -> bool:
    """True for the intents that must be named in words (or by a button)."""
    return intent in command_cues()


def names_command(intent: Optional[str], text: Optional[str]) -> bool:
    """True when `text` is a button payload for `intent`, or contains one of its words."""
    if intent is None or not is_guarded(intent):
        return False
    said = clean_text(text or "").strip().lower()
    if said.startswith(f"/{intent}"):
        return True
    words = _WORD.findall(said)
    return any(word.startswith(stem) for word in words for stem in command_cues()[intent])
