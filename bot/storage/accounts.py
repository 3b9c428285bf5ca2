"""Dashboard accounts: users with roles, Argon2id passwords, browser sessions, named API
tokens that expire, and the account lifecycle (disable, enable, remove, new password,
revoke). How often sign-ins may be tried is bot/service/rate_limits.py's.

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
    as_utc,
    utcnow,
)

MIN_PASSWORD_LENGTH = 12
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "sedia_"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
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
    disabled: bool = False

    @property
    def sees_everything(self) -> bool:
        """Admins see every institution."""
        return self.role == "admin"

    @property
    def may_review_conversations(self) -> bool:
        """Viewers see aggregates only."""
        return self.role in ("admin", "manager")


def _account(user: DashboardUser) -> Account:
    return Account(user.id, user.username, user.role, user.institution, user.disabled_at is not None)


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
    _check_password(password)
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


@dataclass(frozen=True)
class SignInRecord:
    """What a sign-in needs from the database before the (slow) password check."""

    user_id: Optional[int]
    password_hash: str


def sign_in_record(session: Session, username: str) -> SignInRecord:
    """The stored hash of an enabled user, or a dummy one, so that an unknown or disabled
    name costs the same Argon2 check as a real one and tells nothing."""
    user = _user(session, username)
    if user is None or user.disabled_at is not None:
        return SignInRecord(None, _DUMMY_HASH)
    return SignInRecord(user.id, user.password_hash)


def password_matches(record: SignInRecord, password: str) -> bool:
    """The Argon2id check (about 64 MiB and tens of milliseconds): run it on the password
    threads (bot/dashboard/passwords.py), never on the event loop or a database thread."""
    try:
        return _hasher.verify(record.password_hash, password) and record.user_id is not None
    except (VerificationError, InvalidHashError):
        return False


def new_hash_if_needed(record: SignInRecord, password: str) -> Optional[str]:
    """A fresh hash when the stored one used older Argon2 parameters (slow, like the check)."""
    return _hasher.hash(password) if _hasher.check_needs_rehash(record.password_hash) else None


def signed_in(session: Session, record: SignInRecord, new_hash: Optional[str] = None) -> Optional[Account]:
    """The account of a matched record, storing a refreshed hash; None if it was disabled
    or removed meanwhile."""
    user = session.get(DashboardUser, record.user_id) if record.user_id is not None else None
    if user is None or user.disabled_at is not None:
        return None
    if new_hash:
        user.password_hash = new_hash
        session.flush()
    return _account(user)


def authenticate(session: Session, username: str, password: str) -> Optional[Account]:
    """The account if the name and password match and the user is enabled (all in one
    thread: the command line and tests; the web app splits it across its thread pools)."""
    record = sign_in_record(session, username)
    if not password_matches(record, password):
        return None
    return signed_in(session, record, new_hash_if_needed(record, password))


def _enabled_admins(session: Session) -> int:
    return session.execute(
        select(func.count())
        .select_from(DashboardUser)
        .where(DashboardUser.role == "admin", DashboardUser.disabled_at.is_(None))
    ).scalar_one()


def _not_the_last_admin(session: Session, user: DashboardUser, doing: str) -> None:
    if user.role == "admin" and user.disabled_at is None and _enabled_admins(session) <= 1:
        raise AccountError(f"{user.username} is the only enabled admin; add another admin before you {doing} it")


def end_sessions(session: Session, username: str) -> int:
    """Sign a user out of every browser; how many sessions ended."""
    user = _existing_user(session, username)
    ended = session.execute(delete(DashboardSession).where(DashboardSession.user_id == user.id))
    return int(ended.rowcount or 0)


def disable_user(session: Session, username: str) -> Account:
    """Stop a user from signing in or using any session or token, until enabled again."""
    user = _existing_user(session, username)
    _not_the_last_admin(session, user, "disable")
    if user.disabled_at is None:
        user.disabled_at = utcnow()
    end_sessions(session, username)
    session.flush()
    return _account(user)


def enable_user(session: Session, username: str) -> Account:
    """Let a disabled user sign in again (their tokens that have not expired work again)."""
    user = _existing_user(session, username)
    user.disabled_at = None
    session.flush()
    return _account(user)


def remove_user(session: Session, username: str) -> str:
    """Delete a user with their sessions and tokens; returns the name removed."""
    user = _existing_user(session, username)
    _not_the_last_admin(session, user, "remove")
    name = user.username
    session.execute(delete(DashboardSession).where(DashboardSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.delete(user)
    session.flush()
    return name


def change_password(session: Session, username: str, password: str) -> int:
    """Set a new password and sign the user out everywhere; how many sessions ended."""
    user = _existing_user(session, username)
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.flush()
    return end_sessions(session, username)


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
    return (_account(user), row.csrf_token) if user and user.disabled_at is None else None


def close_session(session: Session, cookie: str) -> None:
    """Sign a browser out."""
    session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _digest(cookie or "")))


@dataclass(frozen=True)
class TokenInfo:
    """An API token as `users tokens` lists it (never the secret)."""

    id: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: Optional[datetime]
    revoked: bool


def issue_token(
    session: Session, username: str, name: str, days: int = DEFAULT_TOKEN_DAYS, now: Optional[datetime] = None
) -> str:
    """A new named API bearer token for a user, valid for `days`; printed once, only its
    hash is kept."""
    user = _existing_user(session, username)
    label = (name or "").strip()
    if not label or len(label) > 64:
        raise AccountError("a token needs a name of 1-64 characters saying what uses it")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
    now = now or utcnow()
    token_id = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiToken(
            id=token_id,
            user_id=user.id,
            token_hash=_digest(token),
            name=label,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    session.flush()
    return token


def list_tokens(session: Session, username: str) -> List[TokenInfo]:
    """A user's API tokens, newest first."""
    user = _existing_user(session, username)
    rows = session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).scalars()
    return [
        TokenInfo(
            r.id,
            r.name,
            as_utc(r.created_at),
            as_utc(r.expires_at),
            as_utc(r.last_used_at) if r.last_used_at else None,
            r.revoked_at is not None,
        )
        for r in rows
    ]


def token_account(session: Session, token: str, now: Optional[datetime] = None) -> Optional[Account]:
    """The account behind a bearer token that has neither expired nor been revoked, of an
    enabled user; or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
        return None
    user = session.get(DashboardUser, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    row.last_used_at = now
    return _account(user)


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
