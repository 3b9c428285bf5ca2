"""Profile facts (institution, faculty, role, zone): read them from entities or typed text.

Stored values are canonical, so answers aggregate cleanly: the institution's full name,
a faculty such as "Faculty of Education", and the role and zone ids of instrument.yml.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from bot.core.answers import normalise, payload_value
from bot.core.input_checks import clean_text
from bot.core.instrument import Instrument
from bot.nlp.gazetteer import (
    FACULTY,
    INSTITUTION,
    LOCATION,
    ROLE,
    ZONE,
    Gazetteer,
    tidy_name,
)

PROFILE_FIELDS = (INSTITUTION, FACULTY, ROLE, ZONE)
PROFILE_INTENT = "inform_profile"
MAX_NAME_CHARS = 120


def facts_from_entities(entities: Iterable[Mapping], gazetteer: Gazetteer) -> Dict[str, str]:
    """Profile values found among NLU entities (`entity` and `value` keys)."""
    facts: Dict[str, str] = {}
    institution_zone: Optional[str] = None
    for entity in entities:
        label, surface = entity.get("entity"), str(entity.get("value") or "")
        if label == INSTITUTION and INSTITUTION not in facts:
            found = gazetteer.institution_for(surface)
            if found:
                facts[INSTITUTION] = found.name
                institution_zone = found.zone
        elif label == FACULTY and FACULTY not in facts:
            facts[FACULTY] = gazetteer.faculty_for(surface) or tidy_name(surface)
        elif label == ROLE and ROLE not in facts:
            role = gazetteer.role_for(surface)
            if role:
                facts[ROLE] = role
        elif label in (ZONE, LOCATION) and ZONE not in facts:
            zone = gazetteer.zone_for(surface)
            if zone:
                facts[ZONE] = zone
    # A known campus tells the zone when no place was named.
    if ZONE not in facts and institution_zone:
        facts[ZONE] = institution_zone
    return facts


def _choice_from_text(text: str, choices, lookup) -> Optional[str]:
    said = normalise(text)
    for choice in choices:
        if said in (choice.id, choice.id.replace("_", " ")) or any(
            said == normalise(v) for v in choice.label.variants()
        ):
            return choice.id
    return lookup(text)


def _plausible_name(text: str) -> Optional[str]:
    cleaned = clean_text(text).strip(" .,;:!")
    letters = sum(1 for c in cleaned if c.isalpha())
    if letters < 2 or len(cleaned) > MAX_NAME_CHARS or cleaned.endswith("?") or cleaned.startswith("/"):
        return None
    return tidy_name(cleaned)


def parse_profile_field(
    field: str,
    text: Optional[str],
    entities: Iterable[Mapping],
    instrument: Instrument,
    gazetteer: Gazetteer,
) -> Optional[str]:
    """The canonical value for `field` from one message, or None when it is unclear."""
    from_button = payload_value(text, PROFILE_INTENT, field)
    if from_button is not None:
        text = from_button
    found = facts_from_entities(entities, gazetteer)
    if field in found:
        return found[field]
    if text is None or not clean_text(text):
        return None
    if field == INSTITUTION:
        known = gazetteer.institution_for(text)
        return known.name if known else _plausible_name(text)
    if field == FACULTY:
        return gazetteer.faculty_for(text) or _plausible_name(text)
    if field == ROLE:
        return _choice_from_text(text, instrument.profile.roles, gazetteer.role_for)
    if field == ZONE:
        return _choice_from_text(text, instrument.profile.zones, gazetteer.zone_for)
    raise KeyError(field)


def label_of(field: str, value: Optional[str], instrument: Instrument, language: str = "en") -> str:
    """How a stored profile value is shown to a user."""
    if value is None:
        return "-"
    choices = {ROLE: instrument.profile.roles, ZONE: instrument.profile.zones}.get(field)
    if choices:
        for choice in choices:
            if choice.id == value:
                return choice.label.get(language)
    return value


def is_complete(profile: Mapping[str, Optional[str]]) -> bool:
    """True when every profile field has a value."""
    return all(profile.get(f) for f in PROFILE_FIELDS)


def missing_fields(profile: Mapping[str, Optional[str]]) -> List[str]:
    """Profile fields without a value, in asking order."""
    return [f for f in PROFILE_FIELDS if not profile.get(f)]


ProfileValues = Dict[str, Optional[str]]


def profile_this_turn(
    intent: Optional[str],
    edit_asked: bool,
    editing: bool,
    from_slots: Mapping[str, Optional[str]],
    stored: Mapping[str, Optional[str]],
    facts: Mapping[str, str],
) -> Tuple[ProfileValues, bool]:
    """The profile to use now, and whether it is being edited.

    - "change my profile" (`update_profile`, or a form that ended to edit it) starts
      again from what this message says;
    - facts told outside the profile questions (`inform_profile`) update the profile on
      record, or fill the gaps of one not yet complete;
    - while editing, or before a profile is complete, the slots lead;
    - otherwise the profile on record stands.
    """
    if intent == "update_profile" or edit_asked:
        return {f: facts.get(f) for f in PROFILE_FIELDS}, True
    if intent == "inform_profile":
        base = dict(stored) if is_complete(stored) else {f: stored.get(f) or from_slots.get(f) for f in PROFILE_FIELDS}
        return {**base, **facts}, True
    if editing or not is_complete(stored):
        return {f: from_slots.get(f) or stored.get(f) for f in PROFILE_FIELDS}, editing
    return dict(stored), editing
