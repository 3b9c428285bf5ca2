"""Stored action plans and the private, expiring links that open them.

A link carries a random token (256 bits from `secrets`); the database keeps only the
token's SHA-256 hash, so neither guessing nor reading the database opens a plan.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.settings import plan_link_days
from bot.storage.models import Plan, as_utc, utcnow

TOKEN_BYTES = 32


def link_lifetime() -> timedelta:
    """How long a plan link works (SEDIA_PLAN_LINK_DAYS)."""
    return timedelta(days=plan_link_days())


def token_hash(token: str) -> str:
    """The hash under which a link's token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SavedPlan:
    """A plan just stored, with the token for its link (never stored in clear)."""

    token: str
    expires_at: datetime


def save_plan(
    session: Session,
    assessment_id: str,
    language: str,
    markdown: str,
    now: Optional[datetime] = None,
    lifetime: Optional[timedelta] = None,
) -> SavedPlan:
    """Store a plan with its assessment and return a new private link token for it."""
    created = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = created + (lifetime or link_lifetime())
    session.add(
        Plan(
            id=uuid.uuid4().hex,
            assessment_id=assessment_id,
            language=language,
            markdown=markdown,
            token_hash=token_hash(token),
            created_at=created,
            expires_at=expires,
        )
    )
    session.flush()
    return SavedPlan(token, expires)


@dataclass(frozen=True)
class FoundPlan:
    """A plan looked up by its link."""

    markdown: str
    language: str
    expired: bool


def plan_by_token(session: Session, token: str, now: Optional[datetime] = None) -> Optional[FoundPlan]:
    """The plan behind a link, or None when no plan has that token."""
    if not token or len(token) > 200:
        return None
    plan = session.execute(select(Plan).where(Plan.token_hash == token_hash(token))).scalar_one_or_none()
    if plan is None:
        return None
    expired = as_utc(plan.expires_at) <= (now or utcnow())
    return FoundPlan(plan.markdown, plan.language, expired)


def latest_plan_markdown(session: Session, assessment_id: str) -> Optional[str]:
    """The most recent plan stored for an assessment."""
    return session.execute(
        select(Plan.markdown).where(Plan.assessment_id == assessment_id).order_by(Plan.created_at.desc()).limit(1)
    ).scalar_one_or_none()
