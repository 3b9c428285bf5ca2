"""The report a dashboard request names, built within what its account may see, as data
for a page or the API, or as a CSV or JSON download."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from sanic.request import Request
from sanic.response import HTTPResponse, json, text

from bot.dashboard import exports
from bot.dashboard.audit_trail import filters_of, record_read
from bot.dashboard.auth import Refused, require_account
from bot.dashboard.parameters import choice, scope_for, text_arg, whole_number
from bot.service import releases, reports
from bot.storage import audit
from bot.storage.accounts import Account
from bot.storage.db import session_scope
from bot.storage.readiness_queries import DIMENSIONS

NO_STORE = {"Cache-Control": "no-store"}
MAX_LIMIT = 100


def build_report(name: str, request: Request, account: Account) -> Dict[str, Any]:
    """One report for this request's filters, within what the account may see. Open
    answers are people's own words: each read of them goes into the audit log."""
    if name == "open-answers":
        require_account(request, free_text=True)
        record_read(request, account, "open answers", filters_of(request))
    scope = scope_for(request, account)
    offered = reports.dimensions_for(scope.institution)
    group_by = _breakdown(request, "group_by", offered, None)
    by = _breakdown(request, "by", offered, offered[0])
    builders: Dict[str, Callable[[Any], Dict[str, Any]]] = {
        "overview": lambda s: reports.overview(s, scope, group_by),
        "heatmap": lambda s: reports.heatmap(s, scope, by or offered[0]),
        "trend": lambda s: reports.trend(s, scope),
        "lowest-items": lambda s: reports.lowest_items(
            s, scope, whole_number(request, "limit", reports.LOWEST_ITEMS, 1, MAX_LIMIT)
        ),
        "open-answers": lambda s: reports.open_answers(s, scope, text_arg(request, "theme"), text_arg(request, "q")),
    }
    with session_scope() as session:
        release = releases.latest(session)
    if release is None:
        release = _first_release()
    try:
        report = builders[name](release)
    except ValueError as error:
        raise Refused(400, str(error)) from error
    report["published_at"] = release.published_at.isoformat()
    return report


def _breakdown(request: Request, name: str, offered: Tuple[str, ...], default: Optional[str]) -> Optional[str]:
    """A breakdown parameter. The API refuses one its scope does not offer (the report says
    why); a page, whose form kept the breakdown while the institution changed, falls back
    to the scope's default."""
    value = choice(request, name, DIMENSIONS, default)
    if value not in offered and not getattr(request.ctx, "strict_parameters", False):
        return default
    return value


def _first_release() -> releases.PublishedStats:
    """The web app publishes as it starts; a report asked for before that (or by a tool
    that started no web app) publishes the first release itself."""
    releases.publish()
    with session_scope() as session:
        release = releases.latest(session)
    assert release is not None
    return release


def export_response(request: Request, account: Account) -> HTTPResponse:
    """A report as a CSV or JSON download."""
    name = choice(request, "report", exports.REPORTS, "overview")
    file_format = choice(request, "format", exports.FORMATS, "csv")
    # Checked whatever the report, so a wrong value is never silently ignored.
    choice(request, "group_by", DIMENSIONS)
    choice(request, "by", DIMENSIONS)
    report = build_report(name, request, account)
    record_read(request, account, "export", filters_of(request))
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="sedia-{name}.{file_format}"'}
    if file_format == "csv":
        return text(
            exports.to_csv(exports.rows_of(name, report)), headers=headers, content_type="text/csv; charset=utf-8"
        )
    return text(exports.to_json(name, report), headers=headers, content_type="application/json; charset=utf-8")


AUDIT_COLUMNS = ("at", "who", "role", "action", "target", "reason", "address")


def audit_document(request: Request) -> Dict[str, Any]:
    """The newest audit entries (`limit`, default 500), read by an admin; the reading
    itself is recorded first."""
    limit = whole_number(request, "limit", 500, 1, 10_000)
    with session_scope() as session:
        found = audit.entries(session, limit)
    return {"entries": [e.document() for e in found]}


def audit_response(request: Request, account: Account) -> HTTPResponse:
    """The audit log as JSON, or as a CSV download with `format=csv`."""
    file_format = choice(request, "format", exports.FORMATS, "json")
    record_read(request, account, "audit log", filters_of(request))
    document = audit_document(request)
    if file_format == "csv":
        headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="sedia-audit-log.csv"'}
        rows = document["entries"] or [dict.fromkeys(AUDIT_COLUMNS, "")]
        return text(exports.to_csv(rows), headers=headers, content_type="text/csv; charset=utf-8")
    return json(document, headers=NO_STORE)
