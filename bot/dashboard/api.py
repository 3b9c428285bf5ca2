"""The dashboard's JSON API under /api/v1/, for scripts (bearer token) and the browser
(session cookie). Every answer applies the same privacy rules as the pages."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.dashboard import review
from bot.dashboard.audit_trail import filters_of, record_read, transcript_reason
from bot.dashboard.auth import Refused, require_account, require_admin
from bot.dashboard.openapi import openapi_document
from bot.dashboard.report_requests import NO_STORE, audit_response, build_report, export_response
from bot.storage.db import runs_off_loop

api = Blueprint("dashboard_api", url_prefix="/api/v1")


@api.middleware("request")
async def strict_parameters(request: Request) -> None:
    # The API's parameters are exactly as its OpenAPI description states (parameters.text_arg).
    request.ctx.strict_parameters = True


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
    page = review.conversation_page(account, request)
    record_read(request, account, "conversation list", filters_of(request))
    return json(page, headers=NO_STORE)


@api.get("/conversations/<conversation_id:str>")
@runs_off_loop
def conversation(request: Request, conversation_id: str) -> HTTPResponse:
    account = require_account(request, free_text=True)
    reason = transcript_reason(request)
    if reason is None:
        raise Refused(400, "Say why you are reading this conversation: add 'reason' (it is kept in the audit log).")
    found = review.conversation_transcript(account, conversation_id)
    if found is None:
        return json({"error": "There is no such conversation, or you may not see it."}, status=404)
    record_read(request, account, "transcript", conversation_id, reason)
    return json(found, headers=NO_STORE)


@api.get("/not-understood")
@runs_off_loop
def not_understood(request: Request) -> HTTPResponse:
    account = require_account(request, free_text=True)
    report = review.not_understood(account, request)
    record_read(request, account, "not understood", filters_of(request))
    return json(report, headers=NO_STORE)


@api.get("/audit")
@runs_off_loop
def audit_log(request: Request) -> HTTPResponse:
    return audit_response(request, require_admin(request))


@api.get("/export")
@runs_off_loop
def export(request: Request) -> HTTPResponse:
    return export_response(request, require_account(request))


@api.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    # The description is public, like any API reference; every data endpoint still needs a token.
    return json(openapi_document())
