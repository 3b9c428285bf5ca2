"""The managed list of institutions and faculties (issue 19), and what it makes of a
profile: a name on the list, or "Other".

Without a list anyone can name a new institution or faculty and so make a group of their
own. When the administrators keep a list (`python -m bot institutions add ...`), a
profile's institution is one of its names, matched without regard to case or spacing, or
"Other"; a faculty of a listed institution that has a faculty list is one of those, or
"Other". A faculty of an institution recorded as "Other" is "Other" too. No list (none
kept yet, or no faculties kept for an institution) leaves the value as read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

OTHER = "Other"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _listed_name(listed: FrozenSet[str], name: str) -> str:
    # The listed spelling of `name` (case and spacing aside), or OTHER.
    return {_key(n): n for n in listed}.get(_key(name), OTHER)


@dataclass(frozen=True)
class InstitutionList:
    """The listed institutions, each with its listed faculties (perhaps none)."""

    faculties: Dict[str, FrozenSet[str]] = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        """True when the administrators keep a list at all."""
        return bool(self.faculties)

    def institution_for(self, name: Optional[str]) -> Optional[str]:
        """The listed name `name` stands for, OTHER when it is not listed (None stays None)."""
        if name is None or not self.kept:
            return name
        return _listed_name(frozenset(self.faculties), name)

    def faculty_for(self, institution: Optional[str], name: Optional[str]) -> Optional[str]:
        """The listed faculty of `institution` (already on the list, or OTHER) that `name`
        stands for, OTHER when it is not listed."""
        if name is None or not self.kept or institution is None:
            return name
        if institution == OTHER:
            return OTHER
        kept = self.faculties.get(institution, frozenset())
        if not kept:
            return name
        return _listed_name(kept, name)


def keep_to_list(
    profile: Mapping[str, Optional[str]], institutions: InstitutionList
) -> Tuple[Dict[str, Optional[str]], List[Tuple[str, str]]]:
    """The profile with institution and faculty as the list has them, and the (field, value
    as given) pairs that the list turned into OTHER."""
    kept = dict(profile)
    institution = institutions.institution_for(profile.get("institution"))
    faculty = institutions.faculty_for(institution, profile.get("faculty"))
    kept["institution"], kept["faculty"] = institution, faculty
    unlisted = [
        (name, str(profile.get(name)))
        for name in ("institution", "faculty")
        if kept[name] == OTHER and profile.get(name) not in (None, OTHER)
    ]
    return kept, unlisted
