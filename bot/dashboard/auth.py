"""Who is asking, and what they may see: session cookies for the browser, bearer tokens
for scripts, CSRF checks on forms, and the institution a request is limited to."""
from __future__ import annotations

import hmac
import os
from datetime import date
from typing import Optional, Tuple
from urllib.parse import urlsplit

from sanic.request import Request

from bot.storage import accounts
from bot.storage.accounts import Account
from bot.storage.db import session_scope
from bot.storage.readiness_queries import Scope

LOGIN_CSRF_COOKIE = "sedia_login_csrf"


class Refused(Exception):
    """A request that is not allowed; `status` is 400, 401 or 403 and `message` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def public_url() -> str:
    """The web app's public address (SEDIA_PUBLIC_URL), used for cookie and origin rules."""
    return os.environ.get("SEDIA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


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


def parse_day(raw: Optional[str], name: str) -> Optional[date]:
    """A date query parameter (YYYY-MM-DD), or Refused(400)."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as error:
        raise Refused(400, f"'{name}' must be a date like 2026-11-29.") from error


def scope_for(request: Request, account: Account) -> Scope:
    """The assessments a request covers: admins may name an institution, everyone else
    is held to their own (and refused when they ask for another)."""
    asked = (request.args.get("institution") or "").strip() or None
    if account.sees_everything:
        institution = asked
    elif asked is not None and asked != account.institution:
        raise Refused(403, "You can see your own institution only.")
    else:
        institution = account.institution
    since, until = parse_day(request.args.get("from"), "from"), parse_day(request.args.get("to"), "to")
    if since and until and since > until:
        raise Refused(400, "'from' must not be after 'to'.")
    return Scope(institution=institution, since=since, until=until)
