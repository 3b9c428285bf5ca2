"""The report a dashboard request names, built within what its account may see, as data
for a page or the API, or as a CSV or JSON download."""

from __future__ import annotations

from typing import Any, Callable, Dict

from sanic.request import Request
from sanic.response import HTTPResponse, text

from bot.dashboard import exports, reports
from bot.dashboard.auth import Refused, require_account
from bot.dashboard.parameters import choice, scope_for, text_arg, whole_number
from bot.storage.accounts import Account
from bot.storage.db import session_scope
from bot.storage.readiness_queries import DIMENSIONS

NO_STORE = {"Cache-Control": "no-store"}
MAX_LIMIT = 100


def build_report(name: str, request: Request, account: Account) -> Dict[str, Any]:
    """One report for this request's filters, within what the account may see."""
    if name == "open-answers":
        require_account(request, free_text=True)
    scope = scope_for(request, account)
    builders: Dict[str, Callable[[Any], Dict[str, Any]]] = {
        "overview": lambda s: reports.overview(s, scope, choice(request, "group_by", DIMENSIONS)),
        "heatmap": lambda s: reports.heatmap(s, scope, choice(request, "by", DIMENSIONS, "faculty")),
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


def export_response(request: Request, account: Account) -> HTTPResponse:
    """A report as a CSV or JSON download."""
    name = choice(request, "report", exports.REPORTS, "overview")
    file_format = choice(request, "format", exports.FORMATS, "csv")
    # Checked whatever the report, so a wrong value is never silently ignored.
    choice(request, "group_by", DIMENSIONS)
    choice(request, "by", DIMENSIONS, "faculty")
    report = build_report(name, request, account)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="sedia-{name}.{file_format}"'}
    if file_format == "csv":
        return text(
            exports.to_csv(exports.rows_of(name, report)), headers=headers, content_type="text/csv; charset=utf-8"
        )
    return text(exports.to_json(name, report), headers=headers, content_type="application/json; charset=utf-8")
