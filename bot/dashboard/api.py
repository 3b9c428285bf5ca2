"""The dashboard's JSON API under /api/v1/, for scripts (bearer token) and the browser
(session cookie). Every answer applies the same privacy rules as the pages."""
from __future__ import annotations

from typing import Any, Callable, Dict

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, text

from bot.dashboard import exports, reports, review
from bot.dashboard.auth import Refused, require_account, scope_for, text_arg, whole_number
from bot.dashboard.openapi import openapi_document
from bot.storage.accounts import Account
from bot.storage.db import runs_off_loop, session_scope
from bot.storage.readiness_queries import DIMENSIONS

api = Blueprint("dashboard_api", url_prefix="/api/v1")


@api.middleware("request")
async def strict_parameters(request: Request) -> None:
    # The API's parameters are exactly as its OpenAPI description states (auth.text_arg).
    request.ctx.strict_parameters = True
NO_STORE = {"Cache-Control": "no-store"}
MAX_LIMIT = 100


def _choice(request: Request, name: str, allowed, default=None):
    value = text_arg(request, name) or default
    if value is not None and value not in allowed:
        raise Refused(400, f"'{name}' must be one of {', '.join(allowed)}.")
    return value


def build_report(name: str, request: Request, account: Account) -> Dict[str, Any]:
    """One report for this request's filters, within what the account may see."""
    if name == "open-answers":
        require_account(request, free_text=True)
    scope = scope_for(request, account)
    builders: Dict[str, Callable[[Any], Dict[str, Any]]] = {
        "overview": lambda s: reports.overview(s, scope, _choice(request, "group_by", DIMENSIONS)),
        "heatmap": lambda s: reports.heatmap(s, scope, _choice(request, "by", DIMENSIONS, "faculty")),
        "trend": lambda s: reports.trend(s, scope),
        "lowest-items": lambda s: reports.lowest_items(
            s, scope, whole_number(request, "limit", reports.LOWEST_ITEMS, 1, MAX_LIMIT)
        ),
        "open-answers": lambda s: reports.open_answers(s, scope, text_arg(request, "theme"), text_arg(request, "q")),
    }
    try:
        with session_scope() as session:
            return builders[name](session)
    except ValueError as error:
        raise Refused(400, str(error)) from error


def _report_view(name: str):
    def view(request: Request) -> HTTPResponse:
        account = require_account(request)
        return json(build_report(name, request, account), headers=NO_STORE)

    view.__name__ = f"api_{name.replace('-', '_')}"
    return runs_off_loop(view)


for _name, _path in (
    ("overview", "/overview"),
    ("heatmap", "/heatmap"),
    ("trend", "/trend"),
    ("lowest-items", "/items/lowest"),
    ("open-answers", "/open-answers"),
):
    api.add_route(_report_view(_name), _path, methods=["GET"])


@api.get("/conversations")
@runs_off_loop
def conversations(request: Request) -> HTTPResponse:
    account = require_account(request, free_text=True)
    return json(review.conversation_page(account, request), headers=NO_STORE)


@api.get("/conversations/<conversation_id:str>")
@runs_off_loop
def conversation(request: Request, conversation_id: str) -> HTTPResponse:
    account = require_account(request, free_text=True)
    found = review.conversation_transcript(account, conversation_id)
    if found is None:
        return json({"error": "There is no such conversation, or you may not see it."}, status=404)
    return json(found, headers=NO_STORE)


@api.get("/not-understood")
@runs_off_loop
def not_understood(request: Request) -> HTTPResponse:
    account = require_account(request, free_text=True)
    return json(review.not_understood(account, request), headers=NO_STORE)


def export_response(request: Request, account: Account) -> HTTPResponse:
    """A report as a CSV or JSON download."""
    name = _choice(request, "report", exports.REPORTS, "overview")
    file_format = _choice(request, "format", exports.FORMATS, "csv")
    # Checked whatever the report, so a wrong value is never silently ignored.
    _choice(request, "group_by", DIMENSIONS)
    _choice(request, "by", DIMENSIONS, "faculty")
    report = build_report(name, request, account)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="sedia-{name}.{file_format}"'}
    if file_format == "csv":
        return text(exports.to_csv(exports.rows_of(name, report)), headers=headers, content_type="text/csv; charset=utf-8")
    return text(exports.to_json(name, report), headers=headers, content_type="application/json; charset=utf-8")


@api.get("/export")
@runs_off_loop
def export(request: Request) -> HTTPResponse:
    return export_response(request, require_account(request))


@api.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    # The description is public, like any API reference; every data endpoint still needs a token.
    return json(openapi_document())
