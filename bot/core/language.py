"""Which language a message is in, and whether it asks Sedia to switch language.

Sedia speaks English (`en`) and Bahasa Melayu (`ms`). Malaysian coordinators often mix
both in one sentence ("lecturer kami takde masa nak belajar LMS"); such a message counts
as Malay, because its grammar words are Malay. The cue words live in language_cues.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Protocol, Tuple

import yaml

from bot.core.answers import payload_value
from bot.core.input_checks import clean_text
from bot.core.instrument import DEFAULT_LANGUAGE, LANGUAGES
from bot.nlp.malay import clitics

CUES_PATH = Path(__file__).with_name("language_cues.yml")
SWITCH_INTENT = "switch_language"
LANGUAGE_ENTITY = "language"
# The slot that holds the conversation's language; Rasa's responses vary on it.
LANGUAGE_SLOT = "language"


class HasSlots(Protocol):
    """A conversation's tracker, as far as its language is concerned."""

    def get_slot(self, key: str) -> Any: ...


def chosen_language(tracker: Optional[HasSlots]) -> Optional[str]:
    """The conversation's language (its `language` slot) when it is one Sedia speaks;
    None when there is none yet. A forged button can put any value in the slot."""
    value = tracker.get_slot(LANGUAGE_SLOT) if tracker is not None else None
    return value if value in LANGUAGES else None


def conversation_language(tracker: Optional[HasSlots]) -> str:
    """The conversation's language, English until one is chosen."""
    return chosen_language(tracker) or DEFAULT_LANGUAGE


_WORD = re.compile(r"[a-z][a-z'.]*")


@dataclass(frozen=True)
class LanguageCues:
    names: Dict[str, Tuple[str, ...]]
    request_words: FrozenSet[str]
    max_request_words: int
    cues: Dict[str, FrozenSet[str]]
    min_cues: int


@lru_cache(maxsize=None)
def load_cues() -> LanguageCues:
    """The cue words from language_cues.yml."""
    with CUES_PATH.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return LanguageCues(
        names={lang: tuple(raw["names"][lang]) for lang in LANGUAGES},
        request_words=frozenset(raw["request_words"]),
        max_request_words=int(raw["max_request_words"]),
        cues={lang: frozenset(raw["cues"][lang]) for lang in LANGUAGES},
        min_cues=int(raw["min_cues"]),
    )


def _words(text: str) -> Tuple[str, ...]:
    return tuple(w.strip(".'") for w in _WORD.findall(clean_text(text).lower()) if w.strip(".'"))


def _is_cue(word: str, cues: FrozenSet[str]) -> bool:
    # Malay clitics attach to a word: "bolehlah", "bajetnya", "siapakah".
    return word in cues or any(word.endswith(c) and word[: -len(c)] in cues for c in clitics())


def requested_language(text: Optional[str]) -> Optional[str]:
    """The language a message asks for ("cakap BM", "English please", a button), or None."""
    from_payload = payload_value(text, SWITCH_INTENT, LANGUAGE_ENTITY)
    if from_payload is not None:
        return from_payload if from_payload in LANGUAGES else None
    cues = load_cues()
    words = _words(text or "")
    if not words or len(words) > cues.max_request_words:
        return None
    joined = " ".join(words)
    found = []
    for language, names in cues.names.items():
        # Longest names first, so "bahasa inggeris" is not read as "bahasa" (Malay).
        for name in sorted(names, key=len, reverse=True):
            pattern = rf"(?<![\w]){re.escape(name)}(?![\w])"
            if re.search(pattern, joined):
                found.append(language)
                joined = re.sub(pattern, " ", joined)
                break
    if len(found) != 1:
        return None
    leftover = [w for w in joined.split() if w not in cues.request_words]
    return found[0] if not leftover else None


def detect_language(text: Optional[str]) -> Optional[str]:
    """The language a message is written in, or None when it does not tell."""
    if clean_text(text).startswith("/"):
        return None  # a button payload, whose words are ids, not language
    cues = load_cues()
    words = _words(text or "")
    counts = {lang: sum(1 for w in words if _is_cue(w, cues.cues[lang])) for lang in LANGUAGES}
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, best_count), (_, runner_up) = ranked[0], ranked[1]
    if best_count >= cues.min_cues and best_count > runner_up:
        return best
    return None


CHOSEN = "chosen"
INFERRED = "inferred"
# Sedia infers the language from this many first messages; after that only an explicit
# request changes it, so an English "agree" in a Malay conversation does not flip it.
INFER_FROM_FIRST_MESSAGES = 3


@dataclass(frozen=True)
class LanguageChoice:
    """The conversation language after a message, and how it was decided."""

    language: str
    source: str


def choose_language(text: Optional[str], current_source: Optional[str], user_messages: int) -> Optional[LanguageChoice]:
    """The language to use after this message, or None to keep the current one.

    `user_messages` counts the user's messages so far, this one included.
    """
    requested = requested_language(text)
    if requested is not None:
        return LanguageChoice(requested, CHOSEN)
    if current_source == CHOSEN or user_messages > INFER_FROM_FIRST_MESSAGES:
        return None
    detected = detect_language(text)
    return LanguageChoice(detected, INFERRED) if detected else None


# Entities the NLU pipeline sets on each message; the `language` and `language_source`
# slots fill from them with Rasa's built-in from_entity mappings (domain/sedia.yml).
SOURCE_ENTITY = "language_source"


def language_entities(
    text: Optional[str],
    current_source: Optional[str],
    current_language: Optional[str],
    user_messages: int,
    page_language: Optional[str] = None,
) -> Dict[str, str]:
    """The language entities for one message, given the conversation so far.

    `user_messages` counts the user's messages so far, this one included. The page the
    widget sits on (`page_language`) sets the language only until the user's own words
    or a choice have decided it.
    """
    choice = choose_language(text, current_source, user_messages)
    if choice is not None:
        return {LANGUAGE_ENTITY: choice.language, SOURCE_ENTITY: choice.source}
    if current_source is None and page_language in LANGUAGES and page_language != current_language:
        return {LANGUAGE_ENTITY: page_language}
    return {}


def language_chosen_by(
    entities: Iterable[Mapping[str, Any]], intent: Optional[str], from_button: bool
) -> Optional[str]:
    """The language a parsed message chose, read from what the NLU pipeline set on it; None
    when it chose none.

    A typed request carries the `language` entity with `language_source` "chosen"
    (bot/nlp/conversation_language.py). A button's payload carries only the language, and
    pressing it is a choice (the `language_source` slot mapping in domain/sedia.yml says
    the same). An intent alone is no choice: an answer misread as `switch_language` has no
    language entity from the pipeline.
    """
    found = {str(e.get("entity")): e.get("value") for e in entities}
    language = found.get(LANGUAGE_ENTITY)
    if language not in LANGUAGES:
        return None
    if found.get(SOURCE_ENTITY) == CHOSEN or (from_button and intent == SWITCH_INTENT):
        return str(language)
    return None
