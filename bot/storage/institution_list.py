"""The managed list of institutions and faculties, as administrators keep it (issue 19;
what it makes of a profile is in bot/core/institution_list.py)."""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, List

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.institution_list import OTHER, InstitutionList
from bot.storage.models import ListedFaculty, ListedInstitution, utcnow


def clean_name(text: str) -> str:
    """A name as stored: spacing tidied, 1 to 200 characters (ValueError otherwise)."""
    name = " ".join((text or "").split())
    if not name or len(name) > 200:
        raise ValueError("a name has 1 to 200 characters")
    return name


def _name(text: str) -> str:
    name = clean_name(text)
    if name.casefold() == OTHER.casefold():
        raise ValueError(f'"{OTHER}" is what Sedia records for names not on the list; it cannot be listed')
    return name


def add(session: Session, institution: str, faculties: Iterable[str] = ()) -> List[str]:
    """List `institution` (if it is not yet) and its `faculties`; what was added."""
    name = _name(institution)
    added: List[str] = []
    if session.get(ListedInstitution, name) is None:
        session.add(ListedInstitution(name=name, created_at=utcnow()))
        session.flush()
        added.append(name)
    for faculty in faculties:
        faculty_name = _name(faculty)
        if session.get(ListedFaculty, (name, faculty_name)) is None:
            session.add(ListedFaculty(institution=name, name=faculty_name))
            added.append(f"{name}: {faculty_name}")
    session.flush()
    return added


def remove(session: Session, institution: str, faculties: Iterable[str] = ()) -> List[str]:
    """Take `faculties` off the list of `institution`, or with none given the institution
    and all its faculties; what was removed. Stored profiles keep their values."""
    name = _name(institution)
    wanted = [_name(f) for f in faculties]
    if wanted:
        gone = session.execute(
            delete(ListedFaculty).where(ListedFaculty.institution == name, ListedFaculty.name.in_(wanted))
        ).rowcount
        return [f"{name}: {f}" for f in wanted] if gone else []
    session.execute(delete(ListedFaculty).where(ListedFaculty.institution == name))
    gone = session.execute(delete(ListedInstitution).where(ListedInstitution.name == name)).rowcount
    return [name] if gone else []


def current(session: Session) -> InstitutionList:
    """The list as it stands."""
    faculties: Dict[str, FrozenSet[str]] = {
        name: frozenset() for name in session.execute(select(ListedInstitution.name)).scalars()
    }
    grouped: Dict[str, set] = {}
    for institution, faculty in session.execute(select(ListedFaculty.institution, ListedFaculty.name)):
        grouped.setdefault(institution, set()).add(faculty)
    for institution, names in grouped.items():
        faculties[institution] = frozenset(names)
    return InstitutionList(faculties)
