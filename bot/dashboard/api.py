"""The dashboard's JSON API under /api/v1/, for scripts (bearer token) and the browser
(session cookie). Every answer applies the same privacy rules as the pages."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.dashboard import review
from bot.dashboard.auth import require_account
from bot.dashboard.openapi import openapi_document
from bot.dashboard.report_requests import NO_STORE, build_report, export_response
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


@api.get("/export")
@runs_off_loop
def export(request: Request) -> HTTPResponse:
    return export_response(request, require_account(request))


@api.get("/openapi.json")
async def openapi(request: Request) -> HTTPResponse:
    # The description is public, like any API reference; every data endpoint still needs a token.
    return json(openapi_document())
