"""The dashboard's HTML pages under /dashboard: sign-in and sign-out, and one page per
report, each rendered from the same report dicts as the JSON API."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Dict, List, Tuple
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, html, raw, redirect

from bot.config.settings import min_group_size
from bot.core.instrument import load_instrument
from bot.dashboard import charts, review
from bot.dashboard.audit_trail import filters_of, record_read, transcript_reason
from bot.dashboard.auth import (
    LOGIN_CSRF_COOKIE,
    Refused,
    check_csrf,
    cookies_secure,
    public_url,
    require_account,
    require_admin,
    session_cookie_name,
)
from bot.dashboard.openapi import openapi_document
from bot.dashboard.report_requests import audit_document, build_report
from bot.dashboard.sign_in import sign_in
from bot.service import reports
from bot.service.rate_limits import address_of
from bot.storage import accounts
from bot.storage.accounts import Account
from bot.storage.db import runs_off_loop, session_scope
from bot.storage.readiness_queries import institutions

pages = Blueprint("dashboard_pages", url_prefix="/dashboard")
HERE = Path(__file__).parent
LOGIN_PATH = "/dashboard/login"
LOGIN_FORM_SECONDS = 3600
CHANNEL_NAMES = {"telegram": "Telegram", "socketio": "Web widget", "rest": "REST API"}
# Pages that show someone's data are never cached, framed or sent as a referrer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
}

_templates = Environment(
    loader=FileSystemLoader(str(HERE / "templates" / "dashboard")),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _theme_name(theme_id: str) -> str:
    try:
        return load_instrument().theme(theme_id).name.get("en")
    except KeyError:
        return theme_id


_templates.filters["theme_name"] = _theme_name


def _nav(account: Account) -> List[Tuple[str, str]]:
    items = [
        ("/dashboard", "Overview"),
        ("/dashboard/heatmap", "Heat map"),
        ("/dashboard/trend", "Trend"),
        ("/dashboard/items", "Lowest items"),
    ]
    if account.may_review_conversations:
        items += [("/dashboard/open-answers", "Open answers"), ("/dashboard/conversations", "Conversations")]
    if account.sees_everything:
        items.append(("/dashboard/audit", "Audit log"))
    return items + [("/dashboard/api", "API")]


def render(request: Request, template: str, title: str, status: int = 200, **values: Any) -> HTTPResponse:
    """A page with the signed-in account's navigation."""
    account = getattr(request.ctx, "account", None)
    context = {
        "title": title,
        "account": account,
        "nav": _nav(account) if account else [],
        "current": request.path.rstrip("/") or "/dashboard",
        "csrf_token": getattr(request.ctx, "csrf_token", None),
        "min_group_size": min_group_size(),
        "args": {k: request.args.get(k) for k in request.args},
        "query": urlencode(
            [(k, v) for k in request.args for v in request.args.getlist(k) if k not in ("report", "format", "page")]
        ),
        "channel_name": lambda c: CHANNEL_NAMES.get(c, c),
        **values,
    }
    return html(_templates.get_template(template).render(**context), status=status, headers=PAGE_HEADERS)


def refused_page(request: Request, refused: Refused) -> HTTPResponse:
    """A refusal as a page: to the sign-in form when not signed in, else a polite message."""
    if refused.status == 401:
        return redirect("/dashboard/login", headers=PAGE_HEADERS)
    titles = {400: "That request cannot be shown", 403: "Not available to your account"}
    return render(
        request, "error.html", titles.get(refused.status, "Error"), status=refused.status, message=refused.message
    )


def _institutions(account: Account) -> List[str]:
    if not account.sees_everything:
        return []
    with session_scope() as session:
        return institutions(session)


def _themes() -> List[Tuple[str, str]]:
    return [(t.id, t.name.get("en")) for t in load_instrument().themes]


@pages.get("/static/dashboard.css")
async def stylesheet(request: Request) -> HTTPResponse:
    return raw(
        (HERE / "static" / "dashboard.css").read_bytes(),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def _set_cookie(response: HTTPResponse, name: str, value: str, path: str, max_age: int) -> None:
    """An HttpOnly, SameSite=Strict cookie, Secure over HTTPS; max_age 0 removes it."""
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = path
    cookie["secure"] = cookies_secure()
    cookie["max-age"] = max_age


def _login_page(request: Request, message: str = "", username: str = "", status: int = 200) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        no_users = accounts.user_count(session) == 0
    response = render(
        request,
        "login.html",
        "Sign in",
        status=status,
        login_csrf=token,
        message=message,
        username=username,
        no_users=no_users,
    )
    # Double-submit: the form's token must match this cookie, which another site cannot set.
    _set_cookie(response, LOGIN_CSRF_COOKIE, token, LOGIN_PATH, LOGIN_FORM_SECONDS)
    return response


@pages.get("/login")
@runs_off_loop
def login_form(request: Request) -> HTTPResponse:
    if request.ctx.account is not None:
        return redirect("/dashboard")
    return _login_page(request)


@pages.post("/login")
async def login(request: Request) -> HTTPResponse:
    try:
        check_csrf(request, request.cookies.get(LOGIN_CSRF_COOKIE))
    except Refused as refused:
        return _login_page(request, refused.message, status=403)
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    result = await sign_in(username, password, address_of(request))
    if result.opened is None:
        return _login_page(request, result.refusal, username, result.status)
    response = redirect("/dashboard", headers=PAGE_HEADERS)
    cookie = result.opened.cookie
    _set_cookie(response, session_cookie_name(), cookie, "/", int(accounts.SESSION_LIFETIME.total_seconds()))
    _set_cookie(response, LOGIN_CSRF_COOKIE, "", LOGIN_PATH, 0)
    return response


@pages.post("/logout")
@runs_off_loop
def logout(request: Request) -> HTTPResponse:
    require_account(request)
    check_csrf(request, request.ctx.csrf_token)
    with session_scope() as session:
        accounts.close_session(session, request.cookies.get(session_cookie_name(), ""))
    response = redirect("/dashboard/login", headers=PAGE_HEADERS)
    _set_cookie(response, session_cookie_name(), "", "/", 0)
    return response


@pages.get("/")
@runs_off_loop
def overview(request: Request) -> HTTPResponse:
    account = require_account(request)
    report = build_report("overview", request, account)
    total = report["total"]
    values: Dict[str, Any] = {}
    if not total["suppressed"]:
        values["theme_chart"] = charts.theme_means_chart(total["themes"], "Mean score by theme, 1 to 5")
        values["distribution"] = charts.distribution_chart(total["themes"], "Share of each answer by theme")
    return render(
        request,
        "overview.html",
        "Readiness overview",
        report=report,
        institutions=_institutions(account),
        dimensions=reports.dimensions_for(report["scope"]["institution"]),
        theme_names=[name for _, name in _themes()],
        pct=lambda rate: "–" if rate is None else f"{rate * 100:.0f}%",
        level_name=lambda level_id: next(
            level.label.get("en") for level in load_instrument().levels if level.id == level_id
        ),
        **values,
    )


@pages.get("/heatmap")
@runs_off_loop
def heatmap(request: Request) -> HTTPResponse:
    account = require_account(request)
    report = build_report("heatmap", request, account)
    return render(
        request,
        "heatmap.html",
        "Heat map",
        report=report,
        institutions=_institutions(account),
        dimensions=reports.dimensions_for(report["scope"]["institution"]),
        heat_class=charts.heat_class,
    )


@pages.get("/trend")
@runs_off_loop
def trend(request: Request) -> HTTPResponse:
    account = require_account(request)
    report = build_report("trend", request, account)
    chart = charts.trend_chart(report["months"], "Readiness index by month") if report["months"] else ""
    return render(
        request,
        "trend.html",
        "Trend by month",
        report=report,
        chart=chart,
        institutions=_institutions(account),
        theme_names=[name for _, name in _themes()],
    )


@pages.get("/items")
@runs_off_loop
def lowest_items(request: Request) -> HTTPResponse:
    account = require_account(request)
    report = build_report("lowest-items", request, account)
    return render(
        request, "items.html", "Lowest-scoring statements", report=report, institutions=_institutions(account)
    )


@pages.get("/open-answers")
@runs_off_loop
def open_answers(request: Request) -> HTTPResponse:
    account = require_account(request)
    report = build_report("open-answers", request, account)
    return render(
        request,
        "open_answers.html",
        "Open answers",
        report=report,
        themes=_themes(),
        institutions=_institutions(account),
    )


@pages.get("/conversations")
@runs_off_loop
def conversations(request: Request) -> HTTPResponse:
    account = require_account(request, free_text=True)
    page = review.conversation_page(account, request)
    record_read(request, account, "conversation list", filters_of(request))
    next_args = [(k, v) for k in request.args for v in request.args.getlist(k) if k != "page"]
    return render(
        request,
        "conversations.html",
        "Conversations",
        page=page,
        themes=_themes(),
        channels=list(CHANNEL_NAMES.items()),
        next_query=urlencode(next_args + [("page", page["page"] + 1)]),
    )


@pages.get("/conversations/<conversation_id:str>")
@runs_off_loop
def conversation(request: Request, conversation_id: str) -> HTTPResponse:
    account = require_account(request, free_text=True)
    try:
        reason = transcript_reason(request)
    except Refused as refused:
        return render(
            request,
            "reason.html",
            "Why are you reading this?",
            conversation_id=conversation_id,
            message=refused.message,
            status=400,
        )
    if reason is None:
        # A transcript is one person's words: say why first (kept in the audit log).
        return render(request, "reason.html", "Why are you reading this?", conversation_id=conversation_id)
    found = review.conversation_transcript(account, conversation_id)
    if found is None:
        return render(
            request,
            "error.html",
            "Conversation not found",
            status=404,
            message="There is no such conversation, or you may not see it.",
        )
    record_read(request, account, "transcript", conversation_id, reason)
    return render(request, "transcript.html", f"Conversation {found['id']}", conversation=found)


@pages.get("/not-understood")
@runs_off_loop
def not_understood(request: Request) -> HTTPResponse:
    account = require_account(request, free_text=True)
    report = review.not_understood(account, request)
    record_read(request, account, "not understood", filters_of(request))
    return render(request, "not_understood.html", "Messages Sedia did not understand", report=report)


@pages.get("/audit")
@runs_off_loop
def audit_log(request: Request) -> HTTPResponse:
    account = require_admin(request)
    record_read(request, account, "audit log", filters_of(request))
    return render(request, "audit.html", "Audit log", document=audit_document(request))


@pages.get("/api")
@runs_off_loop
def api_help(request: Request) -> HTTPResponse:
    require_account(request)
    paths = [(path, spec["get"]["summary"]) for path, spec in openapi_document()["paths"].items()]
    return render(request, "api.html", "API", paths=paths, base_url=public_url())
