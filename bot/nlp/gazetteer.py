"""The gazetteer: names of institutions, roles, zones, places and faculties.

One data file (`gazetteer.yml`) serves two readers: the spaCy pipeline build, which
turns it into EntityRuler patterns, and the profile logic, which turns a recognised
name into the value stored in a profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import yaml

GAZETTEER_PATH = Path(__file__).with_name("gazetteer.yml")

INSTITUTION = "institution"
FACULTY = "faculty"
ROLE = "role"
ZONE = "zone"
LOCATION = "location"
ENTITY_LABELS = (INSTITUTION, FACULTY, ROLE, ZONE, LOCATION)
_CONNECTORS = {"of", "and", "for", "&", "dan"}


@dataclass(frozen=True)
class Institution:
    name: str
    acronyms: Tuple[str, ...]
    aliases: Tuple[str, ...]
    zone: str
    case_sensitive: bool


def _key(text: str) -> str:
    """The lookup key of a surface form: lower case, apostrophes and spacing folded."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return " ".join(re.findall(r"[\w&'-]+", text))


class Gazetteer:
    """Lookups from surface forms to profile values, and patterns for the EntityRuler."""

    def __init__(self, raw: dict) -> None:
        self.institutions = tuple(
            Institution(
                name=i["name"],
                acronyms=tuple(i.get("acronyms", [])),
                aliases=tuple(i.get("aliases", [])),
                zone=i["zone"],
                case_sensitive=bool(i.get("case_sensitive", False)),
            )
            for i in raw["institutions"]
        )
        self.roles: Dict[str, Tuple[str, ...]] = {k: tuple(v) for k, v in raw["roles"].items()}
        self.zones: Dict[str, Tuple[str, ...]] = {k: tuple(v) for k, v in raw["zones"].items()}
        self.locations: Dict[str, Tuple[str, ...]] = {k: tuple(v) for k, v in raw["locations"].items()}
        self.faculty_units: Dict[str, Tuple[str, ...]] = {k: tuple(v) for k, v in raw["faculty_units"].items()}
        self.faculty_fields: Tuple[Tuple[str, Tuple[str, ...]], ...] = tuple(
            (f["name"], tuple(f["synonyms"])) for f in raw["faculty_fields"]
        )
        self._institution_by_key = {}
        for inst in self.institutions:
            for surface in (inst.name, *inst.aliases, *inst.acronyms):
                self._institution_by_key[_key(surface)] = inst
        self._role_by_key = {_key(s): role for role, forms in self.roles.items() for s in forms}
        self._zone_by_key = {_key(s): zone for zone, forms in self.zones.items() for s in forms}
        self._zone_by_key.update({_key(s): zone for zone, places in self.locations.items() for s in places})
        self._field_by_key = {_key(s): name for name, synonyms in self.faculty_fields for s in synonyms}
        self._unit_by_key = {_key(s): name for name, forms in self.faculty_units.items() for s in forms}

    # ----- lookups ---------------------------------------------------------------
    def institution_for(self, surface: str) -> Optional[Institution]:
        """The institution a name, alias or acronym stands for."""
        key = _key(surface)
        found = self._institution_by_key.get(key)
        if found is None and key.startswith("the "):
            found = self._institution_by_key.get(key[4:])
        return found

    def role_for(self, surface: str) -> Optional[str]:
        """The role id a phrase such as "I coordinate" or "pensyarah kanan" stands for."""
        return self._longest_match(surface, self._role_by_key)

    def zone_for(self, surface: str) -> Optional[str]:
        """The zone id for a zone name, a state or a campus town."""
        return self._longest_match(surface, self._zone_by_key)

    def faculty_for(self, surface: str) -> Optional[str]:
        """A canonical faculty name, such as "Faculty of Education", when the text names
        a known field and nothing more; None for anything else."""
        key = _key(surface)
        unit_words, unit = self._longest_phrase(key, self._unit_by_key) or ("", "Faculty")
        rest = re.sub(rf"(?<![\w-]){re.escape(unit_words)}(?![\w-])", " ", key, count=1) if unit_words else key
        rest = " ".join(w for w in rest.split() if w not in _CONNECTORS and w != "the")
        field = self._field_by_key.get(rest)
        if field is None:
            return None
        return f"{unit} {'for' if unit == 'Centre' else 'of'} {field}"

    @staticmethod
    def _longest_phrase(surface: str, table: Dict[str, str]) -> Optional[Tuple[str, str]]:
        """The longest phrase of `table` that stands as whole words in `surface`, with its value."""
        key = _key(surface)
        if key in table:
            return key, table[key]
        best: Optional[Tuple[str, str]] = None
        for phrase, value in table.items():
            if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", key):
                if best is None or len(phrase) > len(best[0]):
                    best = (phrase, value)
        return best

    @classmethod
    def _longest_match(cls, surface: str, table: Dict[str, str]) -> Optional[str]:
        found = cls._longest_phrase(surface, table)
        return found[1] if found else None

    # ----- patterns for the EntityRuler ------------------------------------------------
    def entity_patterns(self, tokenize: Callable[[str], List[str]]) -> List[dict]:
        """EntityRuler token patterns for every name; `tokenize` splits a phrase into tokens."""

        def lower(phrase: str) -> List[dict]:
            return [{"LOWER": token.lower()} for token in tokenize(phrase)]

        def exact(phrase: str) -> List[dict]:
            return [{"ORTH": token} for token in tokenize(phrase)]

        patterns: List[dict] = []
        for inst in self.institutions:
            for surface in (inst.name, *inst.aliases):
                patterns.append({"label": INSTITUTION, "pattern": lower(surface)})
            for acronym in inst.acronyms:
                build = exact if inst.case_sensitive else lower
                patterns.append({"label": INSTITUTION, "pattern": build(acronym)})
        patterns += self._phrase_patterns(ROLE, (s for forms in self.roles.values() for s in forms), lower)
        patterns += self._phrase_patterns(ZONE, (s for forms in self.zones.values() for s in forms), lower)
        for places in self.locations.values():
            for place in places:
                build = exact if place.isupper() else lower
                patterns.append({"label": LOCATION, "pattern": build(place)})
        patterns += self._faculty_patterns(lower)
        return patterns

    @staticmethod
    def _phrase_patterns(label: str, phrases: Iterable[str], build: Callable) -> List[dict]:
        return [{"label": label, "pattern": build(phrase)} for phrase in phrases]

    def _faculty_patterns(self, lower: Callable[[str], List[dict]]) -> List[dict]:
        patterns: List[dict] = []
        unit_words = [w for forms in self.faculty_units.values() for w in forms]
        english_units = [w for w in unit_words if " " not in w and w not in ("fakulti", "pusat", "institut")]
        for _, synonyms in self.faculty_fields:
            for field in synonyms:
                for unit in unit_words:
                    joiner = [] if unit in ("fakulti", "pusat", "pusat pengajian", "institut") else lower("of")
                    patterns.append({"label": FACULTY, "pattern": lower(unit) + joiner + lower(field)})
                for unit in english_units:
                    patterns.append({"label": FACULTY, "pattern": lower(field) + lower(unit)})
        # An unlisted field written in title case: "Faculty of Marine Sciences".
        patterns.append(
            {
                "label": FACULTY,
                "pattern": [
                    {"LOWER": {"IN": english_units}},
                    {"LOWER": {"IN": ["of", "for"]}},
                    {"IS_TITLE": True},
                    {"IS_TITLE": True, "OP": "?"},
                    {"LOWER": {"IN": ["and", "&"]}, "OP": "?"},
                    {"IS_TITLE": True, "OP": "?"},
                ],
            }
        )
        return patterns


def tidy_name(text: str) -> str:
    """Capitalise a typed name the way names are written: "faculty of marine science"."""
    words = text.split()
    out = []
    for n, word in enumerate(words):
        if n and word.lower() in _CONNECTORS:
            out.append(word.lower())
        elif word.islower():
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


@lru_cache(maxsize=None)
def load_gazetteer(path: Optional[str] = None) -> Gazetteer:
    """Load the gazetteer (default: the packaged gazetteer.yml), cached."""
    with Path(path or GAZETTEER_PATH).open(encoding="utf-8") as handle:
        return Gazetteer(yaml.safe_load(handle))
