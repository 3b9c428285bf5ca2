"""Whether a message inside the interview's questions is not an answer: a pause, a
question to Sedia, or a command where a name is expected (bot/core/form_cues.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Optional, Tuple

import yaml

from bot.core.answers import normalise
from bot.core.commands import is_guarded, names_command

CUES_PATH = Path(__file__).with_name("form_cues.yml")


@dataclass(frozen=True)
class FormCues:
    pause_words: FrozenSet[str]
    pause_intents: FrozenSet[str]
    pause_confidence: float
    digression_intents: Tuple[str, ...]
    digression_confidence: float
    digression_max_words: int
    command_intents: Tuple[str, ...]  # the digressions' intents and the command list's
    command_max_words: int


@lru_cache(maxsize=None)
def form_cues() -> FormCues:
    """The cues of bot/core/form_cues.yml, read once."""
    with CUES_PATH.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    pause, digression, command = raw["pause"], raw["digression"], raw["command"]
    digressions = tuple(digression["intents"])
    return FormCues(
        pause_words=frozenset(normalise(w) for words in pause["words"].values() for w in words),
        pause_intents=frozenset(pause["intents"]),
        pause_confidence=float(pause["confidence"]),
        digression_intents=digressions,
        digression_confidence=float(digression["confidence"]),
        digression_max_words=int(digression["max_words"]),
        command_intents=digressions + tuple(i for i in command["intents"] if i not in digressions),
        command_max_words=int(command["max_words"]),
    )


def is_pause(text: str, intent: Optional[str], confidence: float) -> bool:
    """True when the user asks to stop for now."""
    cues = form_cues()
    return normalise(text) in cues.pause_words or (intent in cues.pause_intents and confidence >= cues.pause_confidence)


def is_digression_intent(intent: Optional[str]) -> bool:
    """True for the intents that ask Sedia something instead of answering."""
    return intent in form_cues().digression_intents


def _short_and_sure(text: str, intent: Optional[str], confidence: float, intents: Tuple[str, ...], words: int) -> bool:
    cues = form_cues()
    return intent in intents and confidence >= cues.digression_confidence and len(text.split()) <= words


def is_sure(confidence: float) -> bool:
    """True when the NLU is sure enough to take a message as something other than an answer."""
    return confidence >= form_cues().digression_confidence


def looks_like_digression(text: str, intent: Optional[str], confidence: float) -> bool:
    """True when a free-text reply is more likely a question to Sedia than an answer."""
    if is_guarded(intent) and not names_command(intent, text):
        return False
    cues = form_cues()
    return _short_and_sure(text, intent, confidence, cues.digression_intents, cues.digression_max_words)


def looks_like_command(text: str, intent: Optional[str], confidence: float) -> bool:
    """True when a short reply is a command to Sedia rather than a typed name."""
    cues = form_cues()
    return _short_and_sure(text, intent, confidence, cues.command_intents, cues.command_max_words)
