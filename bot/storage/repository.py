"""Reads and idempotent writes of respondents, profiles, assessments and answers.

Every function takes an open session (see `db.session_scope`) and a pseudonymous
respondent id. A retried write leaves the same rows behind as a single one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import Answer, Assessment, Plan, Profile, Respondent, SignIn, utcnow

PROFILE_COLUMNS = ("institution", "faculty", "role", "zone")
OPEN_STATUSES = ("started", "paused")


@dataclass(frozen=True)
class StoredAnswer:
    value: Optional[int]
    text: Optional[str]
    language: str = "en"


def has_consent(session: Session, respondent: str) -> bool:
    """True when this respondent gave consent (only they have a row at all)."""
    return session.get(Respondent, respondent) is not None


def record_consent(session: Session, respondent: str, channel: str) -> None:
    """Create the respondent with the time of consent; a repeat keeps the first time."""
    if session.get(Respondent, respondent) is None:
        session.add(Respondent(id=respondent, channel=channel, consent_at=utcnow()))
        session.flush()


def get_profile(session: Session, respondent: str) -> Dict[str, Optional[str]]:
    """The stored profile, with None for unknown fields."""
    row = session.get(Profile, respondent)
    return {c: getattr(row, c) if row else None for c in PROFILE_COLUMNS}


def save_profile(session: Session, respondent: str, profile: Mapping[str, Optional[str]]) -> None:
    """Store the profile and copy it into the respondent's open assessment, if any."""
    values = {c: profile.get(c) for c in PROFILE_COLUMNS}
    row = session.get(Profile, respondent)
    if row is None:
        session.add(Profile(respondent_id=respondent, updated_at=utcnow(), **values))
    else:
        for column, value in values.items():
            setattr(row, column, value)
        row.updated_at = utcnow()
    open_assessment = current_assessment(session, respondent)
    if open_assessment is not None:
        for column, value in values.items():
            setattr(open_assessment, column, value)
        open_assessment.updated_at = utcnow()
    session.flush()


def current_assessment(session: Session, respondent: str) -> Optional[Assessment]:
    """The respondent's newest assessment that is started or paused."""
    return session.execute(
        select(Assessment)
        .where(Assessment.respondent_id == respondent, Assessment.status.in_(OPEN_STATUSES))
        .order_by(Assessment.started_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def start_assessment(session: Session, respondent: str, channel: str, instrument_version: int) -> Assessment:
    """Return the open assessment, or start a new one with a copy of the profile."""
    existing = current_assessment(session, respondent)
    if existing is not None:
        return existing
    profile = get_profile(session, respondent)
    now = utcnow()
    assessment = Assessment(
        id=uuid.uuid4().hex,
        respondent_id=respondent,
        status="started",
        channel=channel,
        instrument_version=instrument_version,
        started_at=now,
        updated_at=now,
        **profile,
    )
    session.add(assessment)
    session.flush()
    return assessment


def set_status(session: Session, assessment_id: str, status: str) -> None:
    """Mark an assessment started, paused or completed."""
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        return
    now = utcnow()
    assessment.status = status
    assessment.updated_at = now
    assessment.completed_at = now if status == "completed" else None
    session.flush()


def record_answer(
    session: Session,
    assessment_id: str,
    theme: str,
    item: str,
    value: Optional[int],
    text: Optional[str],
    language: str,
    channel: str,
) -> None:
    """Insert the answer, or update it when the item was answered before."""
    now = utcnow()
    fields = dict(theme=theme, value=value, text=text, language=language, channel=channel)
    row = session.execute(
        select(Answer).where(Answer.assessment_id == assessment_id, Answer.item == item)
    ).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(Answer(assessment_id=assessment_id, item=item, answered_at=now, **fields))
            return
        except IntegrityError:
            # Another worker stored the same item a moment ago: update that row. With no
            # such row, the database refused the answer itself (a value off the scale).
            row = session.execute(
                select(Answer).where(Answer.assessment_id == assessment_id, Answer.item == item)
            ).scalar_one_or_none()
            if row is None:
                raise
    changed = any(getattr(row, k) != v for k, v in fields.items())
    if changed:
        for key, value_ in fields.items():
            setattr(row, key, value_)
        row.answered_at = now
    assessment = session.get(Assessment, assessment_id)
    if assessment is not None:
        assessment.updated_at = now
    session.flush()


def answers_for(session: Session, assessment_id: str) -> Dict[str, StoredAnswer]:
    """The answers of one assessment keyed by item id."""
    rows = session.execute(select(Answer).where(Answer.assessment_id == assessment_id)).scalars()
    return {row.item: StoredAnswer(row.value, row.text, row.language) for row in rows}


def latest_completed(session: Session, respondent: str) -> Optional[Assessment]:
    """The respondent's most recently completed assessment."""
    return session.execute(
        select(Assessment)
        .where(Assessment.respondent_id == respondent, Assessment.status == "completed")
        .order_by(Assessment.completed_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def erase_respondent(session: Session, respondent: str) -> Dict[str, int]:
    """Delete everything stored about a respondent; return how many rows of each kind."""
    assessment_ids = select(Assessment.id).where(Assessment.respondent_id == respondent)
    counts = {
        "answers": session.execute(
            select(func.count()).select_from(Answer).where(Answer.assessment_id.in_(assessment_ids))
        ).scalar_one(),
        "plans": session.execute(
            select(func.count()).select_from(Plan).where(Plan.assessment_id.in_(assessment_ids))
        ).scalar_one(),
        "assessments": session.execute(
            select(func.count()).select_from(Assessment).where(Assessment.respondent_id == respondent)
        ).scalar_one(),
        "profiles": 1 if session.get(Profile, respondent) else 0,
        "respondents": 1 if session.get(Respondent, respondent) else 0,
    }
    session.execute(
        delete(Answer).where(Answer.assessment_id.in_(assessment_ids)).execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Plan).where(Plan.assessment_id.in_(assessment_ids)).execution_options(synchronize_session=False)
    )
    session.execute(delete(Assessment).where(Assessment.respondent_id == respondent))
    session.execute(delete(Profile).where(Profile.respondent_id == respondent))
    session.execute(delete(SignIn).where(SignIn.respondent_id == respondent))
    session.execute(delete(Respondent).where(Respondent.id == respondent))
    session.expunge_all()
    return counts
