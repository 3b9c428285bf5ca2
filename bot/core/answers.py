"""Turn what a user typed or pressed into an answer Sedia can store, or into nothing.

Buttons send payloads (`/answer_scale{"scale_value": "4"}`); people type "4", "agree",
"strongly disagree" or "not sure". Anything that is not clearly one answer is rejected,
so the caller asks again instead of storing a guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from bot.core.input_checks import clean_text
from bot.core.instrument import Instrument, OpenQuestionRules

NOT_SURE = "not_sure"
SCALE_INTENT = "answer_scale"
SCALE_ENTITY = "scale_value"
# The statement a scale button belongs to, so a stale or retried press cannot answer another.
SCALE_ITEM_ENTITY = "scale_item"
_MAX_TYPED_WORDS = 6
_NEGATIONS = {"not", "no", "don't", "dont", "never", "tidak", "tak", "bukan", "x"}
_EDGE_PUNCTUATION = " \t.,!?;:'\"()[]{}-_*~"
_DIGIT_ANSWER = re.compile(r"^(\d+)\s*(?:/\s*5|out of 5|dari 5)?$")
_LABELLED_DIGIT = re.compile(r"^(\d+)\s*[-:=).]?\s+(\D+)$")
_NEGATIVE_NUMBER = re.compile(r"^-\s*\d")
_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "i agree",
    "agree",
    "agreed",
    "i consent",
    "consent",
    "go ahead",
    "yes please",
    "yes i agree",
    "of course",
    "fine",
    "ya",
    "ye",
    "boleh",
    "setuju",
    "saya setuju",
    "baik",
    "ok boleh",
    "ya saya setuju",
    "ya setuju",
    "baiklah",
    "sudah tentu",
    "tentu",
    "ya boleh",
    "ya sila",
}
_NO = {
    "no",
    "n",
    "nope",
    "no thanks",
    "no thank you",
    "i don't agree",
    "i dont agree",
    "don't",
    "dont",
    "do not",
    "decline",
    "i decline",
    "i do not consent",
    "not now",
    "don't store",
    "dont store",
    "tak",
    "tidak",
    "tak nak",
    "tidak setuju",
    "jangan",
    "tak setuju",
    "tidak mahu",
    "jangan simpan",
    "tidak terima kasih",
    "tak payah",
}


@dataclass(frozen=True)
class ScaleAnswer:
    """A scale answer: `value` is 1..5, or None for "not sure" (stored as not answered)."""

    value: Optional[int]

    @property
    def slot_value(self) -> str:
        """How the answer is kept in a Rasa slot."""
        return NOT_SURE if self.value is None else str(self.value)


@dataclass(frozen=True)
class OpenAnswer:
    """An open answer: `text` is None when the user chose to skip."""

    text: Optional[str]


def normalise(text: Optional[str]) -> str:
    """Lower-case, clean and trim a message for matching against typed answers."""
    return _normalised(clean_text(text))


def _normalised(cleaned: str) -> str:
    # For text that clean_text already cleaned: each message is cleaned once.
    return cleaned.lower().strip(_EDGE_PUNCTUATION).replace("’", "'")


def payload_value(text: Optional[str], intent: str, entity: str) -> Optional[str]:
    """Return `entity`'s value from a button payload `/intent{"entity": value}`, if any."""
    return _payload_value(clean_text(text), intent, entity)


def _payload_value(cleaned: str, intent: str, entity: str) -> Optional[str]:
    match = _PAYLOAD.match(cleaned)
    if not match or match.group(1) != intent or not match.group(2):
        return None
    try:
        data = json.loads(match.group(2))
    except ValueError:
        return None
    value = data.get(entity) if isinstance(data, dict) else None
    return None if value is None else str(value)


def _contains_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", text) is not None


def _has_unmatched_negation(text: str, phrase: str) -> bool:
    text_words = set(re.findall(r"[\w']+", text))
    phrase_words = set(re.findall(r"[\w']+", phrase))
    return bool((text_words & _NEGATIONS) - phrase_words)


def _scale_from_value(raw: str, instrument: Instrument) -> Optional[ScaleAnswer]:
    if raw == NOT_SURE:
        return ScaleAnswer(None)
    if raw.isdigit() and instrument.scale.minimum <= int(raw) <= instrument.scale.maximum:
        return ScaleAnswer(int(raw))
    return None


def _scale_from_words(said: str, instrument: Instrument) -> Optional[ScaleAnswer]:
    if len(said.split()) > _MAX_TYPED_WORDS:
        return None
    candidates: List[Tuple[str, Optional[int]]] = [
        (phrase, None) for words in instrument.scale.not_sure_typed.values() for phrase in words
    ]
    for point in instrument.scale.points:
        candidates.extend((phrase, point.value) for words in point.typed.values() for phrase in words)
    candidates.sort(key=lambda c: len(c[0]), reverse=True)
    for phrase, value in candidates:
        if said == phrase:
            return ScaleAnswer(value)
    for phrase, value in candidates:
        if _contains_phrase(said, phrase):
            # "I don't really agree" must not count as "agree".
            if _has_unmatched_negation(said, phrase):
                return None
            return ScaleAnswer(value)
    return None


def scale_button_item(text: Optional[str]) -> Optional[str]:
    """The statement a pressed scale button belongs to, or None for typed answers (and
    buttons from before buttons named their statement)."""
    return payload_value(text, SCALE_INTENT, SCALE_ITEM_ENTITY)


def parse_scale_answer(text: Optional[str], instrument: Instrument) -> Optional[ScaleAnswer]:
    """Read a scale answer from a payload, a digit or typed words; None if unclear."""
    cleaned = clean_text(text)
    from_payload = _payload_value(cleaned, SCALE_INTENT, SCALE_ENTITY)
    if from_payload is not None:
        return _scale_from_value(from_payload, instrument)
    if _NEGATIVE_NUMBER.match(cleaned):
        return None
    said = _normalised(cleaned)
    if not said:
        return None
    digit = _DIGIT_ANSWER.match(said)
    if digit:
        return _scale_from_value(digit.group(1), instrument)
    labelled = _LABELLED_DIGIT.match(said)
    if labelled:
        # "4 - agree" is fine; "4 strongly disagree" contradicts itself and is asked again.
        by_number = _scale_from_value(labelled.group(1), instrument)
        by_words = _scale_from_words(labelled.group(2), instrument)
        if by_number and (by_words is None or by_words == by_number):
            return by_number
        return None
    return _scale_from_words(said, instrument)


def parse_yes_no(text: Optional[str], intent: Optional[str] = None) -> Optional[bool]:
    """Read a yes or a no from a typed reply or the NLU intent; None when unclear."""
    # "Ya, saya setuju" and "ya saya setuju" are the same answer.
    said = " ".join(normalise(text).replace(",", " ").split())
    if said in _YES or said.startswith("/affirm"):
        return True
    if said in _NO or said.startswith("/deny"):
        return False
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return None


def parse_open_answer(text: Optional[str], rules: OpenQuestionRules) -> Optional[OpenAnswer]:
    """Accept an open answer (or a skip); None when it is empty, too long or has no words."""
    cleaned = clean_text(text)
    if not cleaned or len(cleaned) > rules.max_chars:
        return None
    said = _normalised(cleaned)
    if any(said == phrase for words in rules.skip_typed.values() for phrase in words):
        return OpenAnswer(None)
    if not any(char.isalpha() for char in cleaned):
        return None
    if cleaned.startswith("/"):
        return None
    return OpenAnswer(cleaned)


SKIPPED = "skipped"


def slot_value(is_open: bool, value: Optional[int], text: Optional[str]) -> str:
    """How a stored answer is held in its Rasa slot (the inverse of `scale_values`)."""
    if is_open:
        return text if text else SKIPPED
    return NOT_SURE if value is None else str(value)


def scale_values(slots: dict, instrument: Instrument) -> dict:
    """Scale answers held in slots, by item id: 1-5, or None for "not sure"."""
    values = {}
    for item in instrument.items:
        raw = slots.get(item.id)
        if item.is_open or raw is None:
            continue
        parsed = _scale_from_value(str(raw), instrument)
        if parsed is not None:
            values[item.id] = parsed.value
    return values


def answered_in_slots(slots: dict, instrument: Instrument) -> frozenset:
    """Ids of the items that have an answer held in slots."""
    return frozenset(item.id for item in instrument.items if slots.get(item.id) is not None)
