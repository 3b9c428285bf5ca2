"""Signing in to the dashboard: the rate limits, then the password check on its own threads.

The order matters. Limits are checked first, so a refused attempt costs no Argon2 check. A
name that failed too often from this address is refused even with the right password, so
guessing cannot go on by luck; a name that failed too often overall is refused only from
addresses that failed on it, so someone else's failures cannot lock its owner out
(bot/service/rate_limits.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.dashboard.passwords import on_password_threads
from bot.service.rate_limits import RateLimits, rate_limits
from bot.storage import accounts
from bot.storage.db import off_loop, session_scope


@dataclass(frozen=True)
class SignInResult:
    """A new session, or why there is none (the message and HTTP status to show)."""

    opened: Optional[accounts.NewSession]
    refusal: str = ""
    status: int = 200


WRONG = SignInResult(None, "The user name or password is not right.", 401)


def _minutes(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _refused_by_limits(limits: RateLimits, name: str, address: str) -> Optional[SignInResult]:
    if not limits.allow("sign_in_address", address):
        wait = _minutes(limits.retry_after("sign_in_address", address))
        return SignInResult(None, f"Too many sign-in attempts from this address. Try again in {wait}.", 429)
    name_here = ("sign_in_failures_name_address", name, address)
    everywhere = ("sign_in_failures_name", name)
    if limits.exceeded(*name_here) or (limits.exceeded(*everywhere) and not limits.is_clean(*name_here)):
        wait = _minutes(max(limits.retry_after(*name_here), limits.retry_after(*everywhere)))
        return SignInResult(None, f"Too many failed sign-ins for this name. Try again in {wait}.", 429)
    return None


def _record(username: str) -> accounts.SignInRecord:
    with session_scope() as session:
        return accounts.sign_in_record(session, username)


def _open(record: accounts.SignInRecord, new_hash: Optional[str]) -> Optional[accounts.NewSession]:
    with session_scope() as session:
        account = accounts.signed_in(session, record, new_hash)
        return accounts.open_session(session, account) if account else None


async def sign_in(username: str, password: str, address: str, limits: Optional[RateLimits] = None) -> SignInResult:
    """Check the limits and the password; open a session when both allow it."""
    limits = limits or rate_limits()
    name = accounts.normalise_username(username)[:64]
    refused = _refused_by_limits(limits, name, address)
    if refused is not None:
        return refused
    record = await off_loop(_record, name)
    if not await on_password_threads(accounts.password_matches, record, password):
        limits.record("sign_in_failures_name_address", name, address)
        limits.record("sign_in_failures_name", name)
        return WRONG
    new_hash = await on_password_threads(accounts.new_hash_if_needed, record, password)
    opened = await off_loop(_open, record, new_hash)
    return SignInResult(opened) if opened else WRONG
