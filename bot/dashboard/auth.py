"""Who is asking: session cookies for the browser, bearer tokens for scripts, the role's
limits, and CSRF checks on forms."""

from __future__ import annotations

import hmac
from typing import Optional, Tuple
from urllib.parse import urlsplit

from sanic.request import Request

from bot.config.settings import public_url
from bot.service.rate_limits import address_of, rate_limits
from bot.storage import accounts
from bot.storage.accounts import Account
from bot.storage.db import session_scope

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


API_TOO_FAST = "Too many API requests; wait a minute and try again."


def identify(request: Request) -> Tuple[Optional[Account], Optional[str]]:
    """(account, CSRF token of the session) for a bearer token or a session cookie.

    Bearer requests are rate-limited per address and per account, and an address that sent
    too many unknown tokens is refused before its next token is looked up (Refused 429)."""
    token = bearer_token(request)
    if token is not None:
        return _token_account(token, address_of(request)), None
    with session_scope() as session:
        found = accounts.session_account(session, request.cookies.get(session_cookie_name(), ""))
    return found if found else (None, None)


def _token_account(token: str, address: str) -> Optional[Account]:
    limits = rate_limits()
    if limits.exceeded("bad_token_address", address) or not limits.allow("api_address", address):
        raise Refused(429, API_TOO_FAST)
    with session_scope() as session:
        account = accounts.token_account(session, token)
    if account is None:
        limits.record("bad_token_address", address)
    elif not limits.allow("api_account", str(account.id)):
        raise Refused(429, API_TOO_FAST)
    return account


def require_account(request: Request, free_text: bool = False) -> Account:
    """The signed-in account, or Refused(401); Refused(403) when `free_text` (people's own
    words: open answers, conversations) is asked for by a role that sees aggregates only."""
    account = request.ctx.account
    if account is None:
        raise Refused(401, "Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if free_text and not account.may_review_conversations:
        raise Refused(403, "A viewer sees aggregates only; ask an admin for a manager account to read this.")
    return account


def require_admin(request: Request) -> Account:
    """The signed-in admin, or Refused(401/403)."""
    account = require_account(request)
    if not account.sees_everything:
        raise Refused(403, "Only an admin may read the audit log.")
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
