"""The Sanic web app: a page that says what Sedia is, action plans at private links,
the management dashboard (/dashboard and its JSON API under /api/v1), and a health check."""

from __future__ import annotations

import hashlib
import logging
from html import escape
from pathlib import Path
from typing import Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, json, raw, text

from bot.config.settings import public_url, rasa_url
from bot.core.documents import markdown_to_html
from bot.core.instrument import LANGUAGES, load_instrument
from bot.core.messages import message, section
from bot.dashboard.api import api
from bot.dashboard.audit_trail import record_read
from bot.dashboard.auth import Refused, identify
from bot.dashboard.pages import pages, refused_page
from bot.service.health import status_code, web_app_health
from bot.service.rate_limits import address_of, rate_limits
from bot.service.releases import publish_daily, publish_if_due
from bot.service.retention import purge_daily
from bot.storage.db import off_loop, session_scope
from bot.storage.plans import plan_by_token, token_hash

logger = logging.getLogger(__name__)

# A plan is personal: never cached, never indexed, never leaked in a Referer header.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
MARKDOWN_SUFFIX = ".md"

TEMPLATES = Path(__file__).with_name("templates")
# Requests under these paths are asked who they are (session cookie or bearer token).
DASHBOARD_PATHS = ("/dashboard", "/api/")
WIDGET_DIR = Path(__file__).resolve().parents[1] / "widget"
# Only these files are served from bot/widget/, so no other path can be reached.
WIDGET_ASSETS = {
    "sedia-widget.js": "text/javascript; charset=utf-8",
    "sedia-widget.css": "text/css; charset=utf-8",
    "vendor/socket.io.min.js": "text/javascript; charset=utf-8",
}
# Any page may embed the widget; which origins may open its socket is Rasa's check.
WIDGET_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


def widget_labels_document() -> dict:
    """The widget's labels in each language, and the theme names for its chart."""
    labels = section("widget")
    document = {language: {key: w.get(language) for key, w in labels.items()} for language in LANGUAGES}
    document["themes"] = {
        t.id: {language: t.name.get(language) for language in LANGUAGES} for t in load_instrument().themes
    }
    return document


def render_index() -> str:
    """The demo page: a mock university page with the widget, and the themes from the instrument."""
    instrument = load_instrument()
    themes = "\n".join(
        f"      <li><strong>{theme.name.get('en')}</strong> "
        f'(<span lang="ms">{theme.name.get("ms")}</span>): {len(theme.items)} questions</li>'
        for theme in instrument.themes
    )
    values = {
        "themes": themes,
        "citation": escape(instrument.citation),
        "rasa_url": escape(rasa_url()),
        "web_url": escape(public_url()),
    }
    page = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    for key, value in values.items():
        page = page.replace("{{ %s }}" % key, value)
    return page


def create_app(name: str = "sedia_web") -> Sanic:
    """Build the web app."""
    app = Sanic(name)
    index_page = render_index()

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        # "/?lang=ms" shows the widget as a Malay page would embed it.
        if request.args.get("lang") == "ms":
            return html(index_page.replace('data-language="en"', 'data-language="ms"'))
        return html(index_page)

    @app.get("/widget/labels.json")
    async def widget_labels(request: Request) -> HTTPResponse:
        return json(widget_labels_document(), headers=WIDGET_HEADERS)

    @app.get("/widget/<path:path>")
    async def widget_asset(request: Request, path: str) -> HTTPResponse:
        found = WIDGET_ASSETS.get(path)
        if found is None:
            return text("Not found", status=404)
        return raw((WIDGET_DIR / path).read_bytes(), content_type=found, headers=WIDGET_HEADERS)

    @app.get("/plan/<token:str>")
    async def plan(request: Request, token: str) -> HTTPResponse:
        limits = rate_limits()
        link = hashlib.sha256(token.encode("utf-8")).hexdigest()
        if not limits.allow("plan_address", address_of(request)) or not limits.allow("plan_link", link):
            return _notice("plan.too_many", 429)
        return await off_loop(plan_response, token, request)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        document = await web_app_health()
        return json(document, status=status_code(document))

    app.blueprint(pages)
    app.blueprint(api)

    @app.before_server_start
    async def publish_what_is_due(app: Sanic, _loop) -> None:
        # Before serving, so that the first report never waits for a release.
        publication = await off_loop(publish_if_due)
        if publication is not None:
            logger.info("Published %s", publication.describe())

    @app.after_server_start
    async def purge_and_publish_daily(app: Sanic, _loop) -> None:
        app.add_task(purge_daily())
        app.add_task(publish_daily())

    @app.middleware("request")
    async def who_is_asking(request: Request) -> None:
        request.ctx.account, request.ctx.csrf_token = None, None
        if request.path.startswith(DASHBOARD_PATHS):
            request.ctx.account, request.ctx.csrf_token = await off_loop(identify, request)

    @app.exception(Refused)
    async def refused(request: Request, error: Refused) -> HTTPResponse:
        if request.path.startswith("/api/"):
            headers = {"WWW-Authenticate": 'Bearer realm="sedia"'} if error.status == 401 else None
            return json({"error": error.message}, status=error.status, headers=headers)
        return refused_page(request, error)

    return app


def _notice(key: str, status: int) -> HTTPResponse:
    # The link does not say its language, so the notice is given in both.
    body = "\n\n".join(message(key, language) for language in ("en", "ms"))
    return html(markdown_to_html(body, "Sedia", "en"), status=status, headers=PRIVATE_HEADERS)


def plan_response(token: str, request: Optional[Request] = None) -> HTTPResponse:
    """The plan behind a private link: HTML, or Markdown when the link ends in ".md". Each
    opening is recorded in the audit log under the link's hash, never the link."""
    as_markdown = token.endswith(MARKDOWN_SUFFIX)
    if as_markdown:
        token = token[: -len(MARKDOWN_SUFFIX)]
    with session_scope() as session:
        found = plan_by_token(session, token)
    if found is None:
        return _notice("plan.not_found", 404)
    if found.expired:
        return _notice("plan.expired", 410)
    if request is not None:
        record_read(request, None, "plan", f"plan link {token_hash(token)[:12]}")
    if as_markdown:
        return text(found.markdown, headers=PRIVATE_HEADERS, content_type="text/markdown; charset=utf-8")
    page = markdown_to_html(found.markdown, message("plan.title", found.language), found.language)
    return html(page, headers=PRIVATE_HEADERS)
