"""The OpenAPI 3.0 description of /api/v1/, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any, Dict, List

from bot.core.instrument import load_instrument
from bot.dashboard.exports import FORMATS, REPORTS
from bot.dashboard.review import MAX_PAGE
from bot.storage.readiness_queries import DIMENSIONS


def _query(name: str, description: str, schema: Dict[str, Any]) -> Dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


# Free text, not blank and without spaces around it (leave a parameter out to mean any).
TEXT = {"type": "string", "minLength": 1, "pattern": "^\\S([\\s\\S]*\\S)?$"}


def _date(name: str, description: str) -> Dict[str, Any]:
    return _query(name, description, {"type": "string", "format": "date"})


# Reports take no date window (two windows subtracted would show the people between
# them): `from` and `to` are refused with 400 and the reason.
SCOPE = [
    _query("institution", "Admins only: limit to one institution. Others always see their own.", TEXT),
]


def _review_filters() -> List[Dict[str, Any]]:
    return [
        _date("from", "Conversations active on or after this day (UTC)."),
        _date("to", "Conversations active on or before this day (UTC)."),
        _query("channel", "telegram, socketio (the web widget) or rest.", TEXT),
        _query(
            "theme",
            "Conversations that touched this readiness theme.",
            {"type": "string", "enum": list(load_instrument().theme_ids)},
        ),
        _query(
            "fallback",
            "yes: only conversations where Sedia did not understand a message; no: none.",
            {"type": "string", "enum": ["yes", "no", "true", "false"]},
        ),
    ]


def _get(
    summary: str, parameters: List[Dict[str, Any]], viewer: bool = True, can_be_missing: bool = False
) -> Dict[str, Any]:
    who = "admin, manager and viewer" if viewer else "admin and manager (not viewer)"
    operation = {
        "get": {
            "summary": summary,
            "description": f"Open to: {who}. Groups below the minimum group size are suppressed.",
            "parameters": parameters,
            "responses": {
                "200": {"description": "The report.", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {
                    "description": "A parameter is not valid; `error` says which.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "401": {
                    "description": "No valid token or session.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "403": {
                    "description": "The account may not see this.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    }
    if can_be_missing:
        operation["get"]["responses"]["404"] = {
            "description": "No such conversation, or one the account may not see.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return operation


def openapi_document() -> Dict[str, Any]:
    """The API description."""
    dimensions = {"type": "string", "enum": list(DIMENSIONS)}
    themes = {"type": "string", "enum": list(load_instrument().theme_ids)}
    document: Dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Sedia dashboard API",
            "version": "1",
            "description": (
                "Aggregated micro-credential readiness of coordinators' answers, and conversation review. "
                "Create a token with `python -m bot users token USERNAME --name WHAT-USES-IT` and send it as "
                "`Authorization: Bearer <token>`. No answer ever shows a group smaller than the minimum "
                "group size (5 by default), nor lets a total minus the shown groups reveal one."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sedia_session"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            },
        },
        "paths": {
            "/overview": _get(
                "Respondents, assessments started and completed, completion rate, readiness index, and each "
                "theme's mean and answer distribution; `group_by` adds a breakdown.",
                SCOPE
                + [
                    _query(
                        "group_by",
                        "Break down by this profile field: institution across all institutions; faculty, zone or role within one (others are refused with 400).",
                        dimensions,
                    )
                ],
            ),
            "/heatmap": _get(
                "Theme means by faculty, zone, role or institution.",
                SCOPE
                + [
                    _query(
                        "by",
                        "Rows of the heat map: institution across all institutions, faculty (the default), zone or role within one.",
                        dimensions,
                    )
                ],
            ),
            "/trend": _get("Completed assessments, respondents, readiness index and theme means by month.", SCOPE),
            "/items/lowest": _get(
                "The statements with the lowest means.",
                SCOPE
                + [_query("limit", "How many (1-100, default 10).", {"type": "integer", "minimum": 1, "maximum": 100})],
            ),
            "/open-answers": _get(
                "What coordinators wrote in the open questions, by theme, without who wrote it.",
                SCOPE + [_query("theme", "Only this theme.", themes), _query("q", "Words to search for.", TEXT)],
                viewer=False,
            ),
            "/conversations": _get(
                "Stored conversations (of people who consented), newest first.",
                _review_filters()
                + [
                    _query(
                        "page", "Page, from 1 (50 per page).", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
                    )
                ],
                viewer=False,
            ),
            "/conversations/{id}": _get(
                "A pseudonymised transcript. Reading it is recorded in the audit log with the reason given.",
                [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "reason",
                        "in": "query",
                        "required": True,
                        "description": "Why you are reading this conversation (at least 10 characters).",
                        "schema": {**TEXT, "minLength": 10, "maxLength": 500},
                    },
                ],
                viewer=False,
                can_be_missing=True,
            ),
            "/not-understood": _get(
                "Messages Sedia did not understand, grouped by text, with the closest intent.",
                _review_filters()[:2],
                viewer=False,
            ),
            "/audit": _get(
                "Admins only: the audit log of reads of personal data, newest first (format=csv downloads it).",
                [
                    _query(
                        "limit",
                        "How many entries (1-10000, default 500).",
                        {"type": "integer", "minimum": 1, "maximum": 10000},
                    ),
                    _query("format", "json (default) or csv.", {"type": "string", "enum": list(FORMATS)}),
                ],
                viewer=False,
            ),
            "/export": _get(
                "A report as a CSV or JSON download (open-answers: admin and manager only).",
                SCOPE
                + [
                    _query("report", "Which report.", {"type": "string", "enum": list(REPORTS)}),
                    _query("format", "csv or json.", {"type": "string", "enum": list(FORMATS)}),
                    _query("group_by", "For the overview.", dimensions),
                    _query("by", "For the heat map.", dimensions),
                ],
            ),
        },
    }
    # The export and the audit log come as CSV or JSON, as `format` asks.
    for path in ("/export", "/audit"):
        document["paths"][path]["get"]["responses"]["200"] = {
            "description": "The report as JSON, or as a CSV file (Content-Disposition: attachment).",
            "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}},
        }
    return document
