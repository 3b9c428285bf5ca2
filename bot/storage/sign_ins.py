"""Institutions that count only signed-in respondents, their invitation codes, and the
sign-ins themselves (issue 19).

Without a sign-in anyone can type an institution and a faculty, so four made-up
respondents with known answers can lift a small group over the minimum and reveal the
fifth. An institution that requires a sign-in counts a respondent in its numbers only
when they signed in for it: through the widget's portal token naming the institution, or
with a one-use invitation code on Telegram. `counted()` is the condition every aggregate
query applies (bot/storage/readiness_queries.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.invitation_codes import new_code, normalise_code
from bot.storage.institution_list import clean_name
from bot.storage.models import Assessment, Invitation, Respondent, SignIn, SignInRule, as_utc, utcnow

INVITATION_DAYS = 30
METHODS = ("invitation", "portal")


def counted() -> ColumnElement:
    """The condition on assessments that keeps the ones an institution's numbers may count:
    no institution named, an institution that requires no sign-in, or a respondent signed
    in for that very institution."""
    return or_(
        Assessment.institution.is_(None),
        Assessment.institution.notin_(select(SignInRule.institution)),
        exists().where(
            SignIn.respondent_id == Assessment.respondent_id,
            SignIn.institution == Assessment.institution,
        ),
    )


@dataclass(frozen=True)
class Requirement:
    """An institution that requires a sign-in, with how many respondents signed in for it."""

    institution: str
    since: datetime
    signed_in: int
    open_invitations: int


def require_sign_in(session: Session, institution: str, required: bool = True) -> bool:
    """Make `institution` count only signed-in respondents (or stop requiring it); True when
    this changed anything."""
    name = clean_name(institution)
    found = session.get(SignInRule, name)
    if required and found is None:
        session.add(SignInRule(institution=name, since=utcnow()))
        return True
    if not required and found is not None:
        session.delete(found)
        return True
    return False


def requirements(session: Session, now: Optional[datetime] = None) -> List[Requirement]:
    """Every institution that requires a sign-in, alphabetically."""
    when = now or utcnow()
    signed = (
        select(func.count()).select_from(SignIn).where(SignIn.institution == SignInRule.institution).scalar_subquery()
    )
    waiting = (
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.institution == SignInRule.institution,
            Invitation.redeemed_at.is_(None),
            Invitation.expires_at > when,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(SignInRule.institution, SignInRule.since, signed, waiting).order_by(SignInRule.institution)
    )
    return [Requirement(name, as_utc(since), int(s), int(w)) for name, since, s, w in rows]


def issue_invitations(
    session: Session, institution: str, count: int, days: int = INVITATION_DAYS, now: Optional[datetime] = None
) -> List[str]:
    """`count` new one-use codes for `institution`, valid for `days` days; only their hashes
    are stored, so these are the only copies."""
    if not 1 <= count <= 1000:
        raise ValueError("give between 1 and 1000 codes at a time")
    if not 1 <= days <= 365:
        raise ValueError("an invitation lasts between 1 and 365 days")
    name = clean_name(institution)
    when = now or utcnow()
    codes = [new_code() for _ in range(count)]
    for code in codes:
        session.add(
            Invitation(
                code_hash=_code_hash(code), institution=name, created_at=when, expires_at=when + timedelta(days=days)
            )
        )
    session.flush()
    return codes


def redeem(session: Session, respondent: str, code: str, now: Optional[datetime] = None) -> Optional[str]:
    """Sign `respondent` in with an invitation code; the institution it was for, or None
    when the code is unknown, used or expired. The respondent must exist (have consented)."""
    when = now or utcnow()
    if session.get(Respondent, respondent) is None:
        raise LookupError("only a respondent who consented can be signed in")
    digest = _code_hash(normalise_code(code))
    found = session.get(Invitation, digest)
    if found is None or found.redeemed_at is not None or as_utc(found.expires_at) <= when:
        return None
    used = found.institution
    # Claimed with a condition, so that two people racing with one code cannot both win.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.code_hash == digest, Invitation.redeemed_at.is_(None))
        .values(redeemed_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    record_sign_in(session, respondent, used, "invitation", when)
    return used


def record_sign_in(
    session: Session, respondent: str, institution: str, method: str, now: Optional[datetime] = None
) -> None:
    """Record that `respondent` signed in for `institution` (the latest sign-in replaces an
    earlier one). The respondent must exist."""
    if method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    if session.get(Respondent, respondent) is None:
        raise LookupError("only a respondent who consented can be signed in")
    found = session.get(SignIn, respondent)
    if found is None:
        session.add(SignIn(respondent_id=respondent, institution=clean_name(institution), method=method))
    else:
        found.institution, found.method = clean_name(institution), method
        found.signed_in_at = now or utcnow()
    session.flush()


def signed_in_for(session: Session, respondent: str) -> Optional[str]:
    """The institution `respondent` signed in for, if any."""
    found = session.get(SignIn, respondent)
    return found.institution if found else None


def forget_expired_invitations(session: Session, before: datetime) -> int:
    """Delete invitations that expired, or were used, before `before`; how many went."""
    old = or_(Invitation.expires_at < before, and_(Invitation.redeemed_at.isnot(None), Invitation.redeemed_at < before))
    return int(session.execute(delete(Invitation).where(old)).rowcount or 0)


def _code_hash(code: str) -> str:
    # The codes carry 60 bits of chance and are used once, within weeks: a plain hash is
    # enough to keep a database reader from using one.
    return hashlib.sha256(f"sedia invitation:{code}".encode("utf-8")).hexdigest()
