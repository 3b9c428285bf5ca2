"""Dashboard accounts: users with roles, Argon2id passwords, browser sessions, API tokens
and the sign-in lockout.

Secrets (session cookies, API tokens) are random; the database keeps only their SHA-256,
so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import (
    DASHBOARD_ROLES,
    ApiToken,
    DashboardSession,
    DashboardUser,
    LoginAttempts,
    as_utc,
    utcnow,
)

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "sedia_"
_hasher = PasswordHasher()
# Checking a password against this keeps a sign-in with an unknown name as slow as a real one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Account:
    """Who is signed in: enough to decide what they may see."""

    id: int
    username: str
    role: str
    institution: Optional[str]

    @property
    def sees_everything(self) -> bool:
        """Admins see every institution."""
        return self.role == "admin"

    @property
    def may_review_conversations(self) -> bool:
        """Viewers see aggregates only."""
        return self.role in ("admin", "manager")


def _account(user: DashboardUser) -> Account:
    return Account(user.id, user.username, user.role, user.institution)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    """User names are case-insensitive and trimmed."""
    return (username or "").strip().lower()


def add_user(session: Session, username: str, password: str, role: str, institution: Optional[str]) -> Account:
    """Create a user; managers and viewers belong to exactly one institution, admins to none."""
    name = normalise_username(username)
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError("a user name is 1-64 letters, digits or . _ - @")
    if role not in DASHBOARD_ROLES:
        raise AccountError(f"the role must be one of {', '.join(DASHBOARD_ROLES)}")
    institution = (institution or "").strip() or None
    if role == "admin" and institution:
        raise AccountError("an admin sees every institution; leave out --institution")
    if role != "admin" and not institution:
        raise AccountError(f"a {role} sees one institution: give --institution")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = DashboardUser(username=name, password_hash=_hasher.hash(password), role=role, institution=institution)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError(f"the user {name} exists already") from error
    return _account(user)


def list_users(session: Session) -> List[Account]:
    """Every dashboard user, by name."""
    rows = session.execute(select(DashboardUser).order_by(DashboardUser.username)).scalars()
    return [_account(user) for user in rows]


def user_count(session: Session) -> int:
    """How many dashboard users exist (none on a new installation)."""
    return session.execute(select(func.count()).select_from(DashboardUser)).scalar_one()


def _user(session: Session, username: str) -> Optional[DashboardUser]:
    return session.execute(
        select(DashboardUser).where(DashboardUser.username == normalise_username(username))
    ).scalar_one_or_none()


def _existing_user(session: Session, username: str) -> DashboardUser:
    user = _user(session, username)
    if user is None:
        raise AccountError(f"there is no user {normalise_username(username)}")
    return user


def locked_until(session: Session, username: str, now: Optional[datetime] = None) -> Optional[datetime]:
    """When a locked name may try again, or None if it is not locked."""
    now = now or utcnow()
    row = session.get(LoginAttempts, normalise_username(username)[:64])
    if row is None or row.locked_until is None or as_utc(row.locked_until) <= now:
        return None
    return as_utc(row.locked_until)


def authenticate(session: Session, username: str, password: str, now: Optional[datetime] = None) -> Optional[Account]:
    """The account if the name and password match and the name is not locked out.

    Failures are counted per name, whether or not the name exists, so the lockout does
    not tell anyone which names are real. The fifth failure locks the name for 15 minutes.
    """
    now = now or utcnow()
    key = normalise_username(username)[:64]
    if locked_until(session, key, now) is not None:
        return None
    user = _user(session, key)
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    attempts = session.get(LoginAttempts, key)
    if ok:
        if attempts is not None:
            session.delete(attempts)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.flush()
        return _account(user)
    if attempts is None:
        attempts = LoginAttempts(username=key, failures=0)
        session.add(attempts)
    if attempts.locked_until is not None and as_utc(attempts.locked_until) <= now:
        attempts.failures = 0
        attempts.locked_until = None
    attempts.failures += 1
    attempts.last_failure_at = now
    if attempts.failures >= MAX_FAILURES:
        attempts.locked_until = now + LOCKOUT
    session.flush()
    return None


@dataclass(frozen=True)
class NewSession:
    """A browser session just opened: the cookie value and the form token that goes with it."""

    cookie: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, account: Account, now: Optional[datetime] = None) -> NewSession:
    """Start a browser session for a signed-in account."""
    now = now or utcnow()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    session.add(
        DashboardSession(
            token_hash=_digest(cookie),
            user_id=account.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return NewSession(cookie, csrf, expires)


def session_account(session: Session, cookie: str, now: Optional[datetime] = None) -> Optional[Tuple[Account, str]]:
    """(account, CSRF token) for a live session cookie, or None."""
    if not cookie:
        return None
    row = session.get(DashboardSession, _digest(cookie))
    if row is None or as_utc(row.expires_at) <= (now or utcnow()):
        return None
    user = session.get(DashboardUser, row.user_id)
    return (_account(user), row.csrf_token) if user else None


def close_session(session: Session, cookie: str) -> None:
    """Sign a browser out."""
    session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _digest(cookie or "")))


def issue_token(session: Session, username: str) -> str:
    """A new API bearer token for a user; printed once, only its hash is kept."""
    user = _existing_user(session, username)
    token_id = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    session.add(ApiToken(id=token_id, user_id=user.id, token_hash=_digest(token)))
    session.flush()
    return token


def token_account(session: Session, token: str, now: Optional[datetime] = None) -> Optional[Account]:
    """The account behind a bearer token that has not been revoked, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = now or utcnow()
    user = session.get(DashboardUser, row.user_id)
    return _account(user) if user else None


def revoke_tokens(session: Session, username: str, token_id: Optional[str] = None) -> int:
    """Revoke one token of a user (by the id shown in `sedia_<id>_...`) or all of them."""
    user = _existing_user(session, username)
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token_id:
        query = query.where(ApiToken.id == token_id)
    rows = list(session.execute(query).scalars())
    for row in rows:
        row.revoked_at = utcnow()
    session.flush()
    return len(rows)
