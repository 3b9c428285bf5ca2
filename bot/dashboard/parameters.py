"""A dashboard request's query parameters, read and checked: a value that is malformed,
out of range or not allowed is Refused(400), and a request for another institution
than the account's own is Refused(403)."""

from __future__ import annotations

from datetime import date
from typing import Iterable, Optional, Tuple

from sanic.request import Request

from bot.dashboard.auth import Refused
from bot.service.reports import NO_DATE_WINDOWS
from bot.storage.accounts import Account
from bot.storage.readiness_queries import Scope


def text_arg(request: Request, name: str) -> Optional[str]:
    """A query parameter, trimmed; None when it is missing or blank.

    The pages' filter forms send blank fields for "any"; the JSON API takes its
    parameters as its OpenAPI description states them, so there a blank value or one
    with spaces around it is refused (400), not guessed at."""
    if getattr(request.ctx, "strict_parameters", False):
        given = request.get_args(keep_blank_values=True).get(name)  # request.args drops blank ones
        if given is not None and (not given or given != given.strip()):
            raise Refused(400, f"'{name}' must not be blank or have spaces around it; leave it out to mean any.")
    return (request.args.get(name) or "").strip() or None


def whole_number(request: Request, name: str, default: int, low: int, high: Optional[int] = None) -> int:
    """A whole-number query parameter between `low` and `high` (if given), or Refused(400)."""
    raw = text_arg(request, name) or str(default)
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        limits = f"from {low} to {high}" if high is not None else f"from {low}"
        raise Refused(400, f"'{name}' must be a whole number {limits}.")
    return int(raw)


def _day(request: Request, name: str) -> Optional[date]:
    raw = text_arg(request, name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise Refused(400, f"'{name}' must be a date like 2026-11-29.") from error


def date_range(request: Request) -> Tuple[Optional[date], Optional[date]]:
    """The days of `from` and `to` (YYYY-MM-DD), or Refused(400)."""
    since, until = _day(request, "from"), _day(request, "to")
    if since and until and since > until:
        raise Refused(400, "'from' must not be after 'to'.")
    return since, until


def choice(request: Request, name: str, allowed: Iterable[str], default: Optional[str] = None) -> Optional[str]:
    """A parameter that must be one of `allowed` (or `default` when it is left out)."""
    allowed = tuple(allowed)
    value = text_arg(request, name) or default
    if value is not None and value not in allowed:
        raise Refused(400, f"'{name}' must be one of {', '.join(allowed)}.")
    return value


def scope_for(request: Request, account: Account) -> Scope:
    """The assessments a report covers: admins may name an institution, everyone else is
    held to their own (and refused when they ask for another). Reports take no date
    window (`from`, `to`): refused with the reason."""
    asked = text_arg(request, "institution")
    if account.sees_everything:
        institution = asked
    elif asked is not None and asked != account.institution:
        raise Refused(403, "You can see your own institution only.")
    else:
        institution = account.institution
    if text_arg(request, "from") is not None or text_arg(request, "to") is not None:
        raise Refused(400, NO_DATE_WINDOWS)
    return Scope(institution=institution)
