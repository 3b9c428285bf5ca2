"""Recording every read of personal data in the audit log, and the reason a transcript
needs (issue 19). Handlers call these on their database thread."""

from __future__ import annotations

from typing import Optional

from sanic.request import Request

from bot.dashboard.auth import Refused
from bot.dashboard.parameters import text_arg
from bot.service.rate_limits import address_of
from bot.storage import audit
from bot.storage.accounts import Account
from bot.storage.db import session_scope

MIN_REASON = 10
PLAN_READER = "plan link"


def record_read(request: Request, account: Optional[Account], action: str, target: str = "", reason: str = "") -> None:
    """Record that `account` (None: whoever holds a plan link) read `target`."""
    with session_scope() as session:
        audit.record(
            session,
            account.username if account else PLAN_READER,
            account.role if account else "-",
            action,
            target,
            reason,
            address_of(request),
        )


def filters_of(request: Request) -> str:
    """A request's query, as the target of a report read ("report=open-answers&theme=...")."""
    return request.query_string or ""


def transcript_reason(request: Request) -> Optional[str]:
    """The stated reason for reading a transcript, or None when none was given; one that
    is too short is refused (400)."""
    reason = text_arg(request, "reason")
    if reason is None:
        return None
    if len(reason) < MIN_REASON:
        raise Refused(
            400, f"'reason' must say why you are reading this conversation (at least {MIN_REASON} characters)."
        )
    return reason
