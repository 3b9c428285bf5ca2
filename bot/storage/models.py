"""The answers database schema (SQLAlchemy 1.4, declarative, used in 2.0 style).

Keep it in step with the Alembic migrations in `bot/storage/migrations`;
tests/unit/test_storage.py fails if the two differ.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

# Named constraints keep migrations portable between SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)

ASSESSMENT_STATUSES = ("started", "paused", "completed")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored time as timezone-aware UTC: SQLite hands back naive datetimes, stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Respondent(Base):
    """A person, known only by a pseudonymous id (a salted hash of channel and sender)."""

    __tablename__ = "respondents"
    id = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False)
    consent_at = Column(DateTime(timezone=True), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Profile(Base):
    """The respondent's current profile; each assessment keeps a copy of it."""

    __tablename__ = "profiles"
    respondent_id = Column(String(64), ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    institution = Column(String(200))
    faculty = Column(String(200))
    role = Column(String(40))
    zone = Column(String(40))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Assessment(Base):
    """One run of the interview; the profile is copied in when it starts."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("status IN ('started', 'paused', 'completed')", name="status_known"),
        # The dashboard filters assessments by status within an institution.
        Index("ix_assessments_institution_status", "institution", "status"),
    )
    id = Column(String(32), primary_key=True)
    respondent_id = Column(String(64), ForeignKey("respondents.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default="started")
    channel = Column(String(32), nullable=False)
    instrument_version = Column(Integer, nullable=False)
    institution = Column(String(200))
    faculty = Column(String(200))
    role = Column(String(40))
    zone = Column(String(40))
    started_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    completed_at = Column(DateTime(timezone=True))


class Answer(Base):
    """One answer. `value` is 1-5, or NULL for "not sure" and for open questions."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "item"),
        CheckConstraint("value IS NULL OR (value >= 1 AND value <= 5)", name="value_on_scale"),
        # Covers the dashboard's GROUP BY theme, value over an assessment's scale answers.
        Index("ix_answers_assessment_theme_item_value", "assessment_id", "theme", "item", "value"),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    assessment_id = Column(String(32), ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False, index=True)
    theme = Column(String(40), nullable=False)
    item = Column(String(40), nullable=False)
    value = Column(SmallInteger)
    text = Column(Text)
    language = Column(String(8), nullable=False, default="en")
    channel = Column(String(32), nullable=False)
    answered_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Plan(Base):
    """A personalised action plan, stored with its assessment and shared by a private link.

    Only a SHA-256 hash of the link's token is kept, so the database alone cannot be used
    to open a plan; the link stops working at `expires_at`.
    """

    __tablename__ = "plans"
    id = Column(String(32), primary_key=True)
    assessment_id = Column(String(32), ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False, index=True)
    language = Column(String(8), nullable=False)
    markdown = Column(Text, nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class ChannelCursor(Base):
    """Where a polling channel resumes: the next Telegram update id to ask for.

    Only update ids are kept here, never the updates themselves (they carry raw ids).
    """

    __tablename__ = "channel_cursors"
    channel = Column(String(64), primary_key=True)
    next_update_id = Column(BigInteger, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ProcessedUpdate(Base):
    """An incoming update that has been handled, so a redelivery is not handled again."""

    __tablename__ = "processed_updates"
    channel = Column(String(64), primary_key=True)
    update_id = Column(BigInteger, primary_key=True)
    processed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class ReceivedMessage(Base):
    """A client message id that a channel has taken in, so a retried message is dropped.

    The key is a hash of the conversation and the client's id, never the message itself.
    """

    __tablename__ = "received_messages"
    channel = Column(String(64), primary_key=True)
    message_key = Column(String(64), primary_key=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


DASHBOARD_ROLES = ("admin", "manager", "viewer")


class DashboardUser(Base):
    """A person who may open the management dashboard, with a role and, below admin, one institution."""

    __tablename__ = "dashboard_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'manager', 'viewer')", name="role_known"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    institution = Column(String(200))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # A disabled user can neither sign in nor use a session or a token until enabled.
    disabled_at = Column(DateTime(timezone=True))


class ApiToken(Base):
    """A named bearer token for the JSON API, valid until `expires_at`. Only its SHA-256 is
    kept; revoking sets `revoked_at`."""

    __tablename__ = "api_tokens"
    id = Column(String(16), primary_key=True)
    user_id = Column(Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    name = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    last_used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))


class DashboardSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here."""

    __tablename__ = "dashboard_sessions"
    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class KeyFingerprint(Base):
    """A keyed fingerprint of a secret the stored data depend on (the id salt), so that a
    server started with another or a missing secret stops instead of treating every
    returning person as new (bot/service/salt_guard.py)."""

    __tablename__ = "key_fingerprints"
    name = Column(String(32), primary_key=True)
    fingerprint = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Release(Base):
    """One publication of the aggregate tables (bot/service/releases.py): their numbers
    and, for deciding what the next release may change, digests of who is behind each row.
    Reports and plan comparisons read the newest; nothing else reads the answers live."""

    __tablename__ = "releases"
    id = Column(Integer, primary_key=True, autoincrement=True)
    published_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    tables = Column(Text, nullable=False)


class AuditEntry(Base):
    """One read of personal data: who, when, what and why (issue 19). Append-only: the
    migration adds database triggers that refuse to change or delete a row."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    who = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False)
    action = Column(String(40), nullable=False)
    target = Column(String(400), nullable=False, default="")
    reason = Column(String(500), nullable=False, default="")
    address = Column(String(64), nullable=False, default="")


class ListedInstitution(Base):
    """An institution on the managed list (issue 19): when the list has any, a profile's
    institution is one of them or "Other"."""

    __tablename__ = "institutions"
    name = Column(String(200), primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ListedFaculty(Base):
    """A faculty on an institution's managed list: when it has any, a profile's faculty
    there is one of them or "Other"."""

    __tablename__ = "institution_faculties"
    institution = Column(String(200), ForeignKey("institutions.name", ondelete="CASCADE"), primary_key=True)
    name = Column(String(200), primary_key=True)


class SignInRule(Base):
    """An institution whose numbers count only respondents signed in for it (issue 19):
    by the widget portal's token, or by an invitation code on Telegram."""

    __tablename__ = "sign_in_rules"
    institution = Column(String(200), primary_key=True)
    since = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Invitation(Base):
    """A one-use invitation code for an institution, kept as a hash only."""

    __tablename__ = "invitations"
    code_hash = Column(String(64), primary_key=True)
    institution = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    redeemed_at = Column(DateTime(timezone=True))


class SignIn(Base):
    """The institution a respondent signed in for, and how ("invitation" or "portal")."""

    __tablename__ = "sign_ins"
    respondent_id = Column(String(64), ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    institution = Column(String(200), nullable=False)
    method = Column(String(16), nullable=False)
    signed_in_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
