"""Who is asking, and what they may see: session cookies for the browser, bearer tokens
for scripts, CSRF checks on forms, and the institution a request is limited to."""
from __future__ import annotations

import hmac
from datetime import date
from typing import Optional, Tuple
from urllib.parse import urlsplit

from sanic.request import Request

from bot.storage import accounts
from bot.storage.accounts import Account
from bot.storage.db import session_scope
from bot.storage.readiness_queries import Scope
from bot.web_address import public_url

LOGIN_CSRF_COOKIE = "sedia_login_csrf"


class Refused(Exception):
    """A request that is not allowed; `status` is 400, 401 or 403 and `message` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def cookies_secure() -> bool:
    """Cookies carry `Secure` whenever the app is served over HTTPS."""
    return urlsplit(public_url()).scheme == "https"


def session_cookie_name() -> str:
    """`__Host-` pins the cookie to this host and path when served over HTTPS."""
    return "__Host-sedia_session" if cookies_secure() else "sedia_session"


def bearer_token(request: Request) -> Optional[str]:
    """The token of an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(request: Request) -> Tuple[Optional[Account], Optional[str]]:
    """(account, CSRF token of the session) for a bearer token or a session cookie."""
    token = bearer_token(request)
    with session_scope() as session:
        if token is not None:
            return accounts.token_account(session, token), None
        found = accounts.session_account(session, request.cookies.get(session_cookie_name(), ""))
    return found if found else (None, None)


def require_account(request: Request, free_text: bool = False) -> Account:
    """The signed-in account, or Refused(401); Refused(403) when `free_text` (people's own
    words: open answers, conversations) is asked for by a role that sees aggregates only."""
    account = request.ctx.account
    if account is None:
        raise Refused(401, "Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if free_text and not account.may_review_conversations:
        raise Refused(403, "A viewer sees aggregates only; ask an admin for a manager account to read this.")
    return account


def check_csrf(request: Request, expected: Optional[str]) -> None:
    """Refuse a form post whose token or Origin does not match this session."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != public_url() and origin != _own_origin(request):
        raise Refused(403, "This form came from another site.")
    sent = (request.form.get("csrf_token") if request.form else None) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise Refused(403, "The form has expired. Reload the page and try again.")


def _own_origin(request: Request) -> str:
    return f"{request.scheme}://{request.host}"


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


def scope_for(request: Request, account: Account) -> Scope:
    """The assessments a request covers: admins may name an institution, everyone else
    is held to their own (and refused when they ask for another)."""
    asked = text_arg(request, "institution")
    if account.sees_everything:
        institution = asked
    elif asked is not None and asked != account.institution:
        raise Refused(403, "You can see your own institution only.")
    else:
        institution = account.institution
    since, until = date_range(request)
    return Scope(institution=institution, since=since, until=until)
