"""The Sanic web app: a page that says what Sedia is, action plans at private links,
and a health check."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, json, text

from bot.documents import markdown_to_html
from bot.instrument import load_instrument
from bot.messages import message
from bot.storage.db import session_scope
from bot.storage.plans import plan_by_token

# A plan is personal: never cached, never indexed, never leaked in a Referer header.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
MARKDOWN_SUFFIX = ".md"

TEMPLATES = Path(__file__).with_name("templates")


def render_index() -> str:
    """The landing page, with the themes listed from the instrument."""
    instrument = load_instrument()
    themes = "\n".join(
        f"      <li><strong>{theme.name.get('en')}</strong> "
        f"(<span lang=\"ms\">{theme.name.get('ms')}</span>): {len(theme.items)} questions</li>"
        for theme in instrument.themes
    )
    page = (TEMPLATES / "index.html").read_text(encoding="utf-8")
    return page.replace("{{ themes }}", themes).replace("{{ citation }}", instrument.citation)


def create_app(name: str = "sedia_web") -> Sanic:
    """Build the web app."""
    app = Sanic(name)
    index_page = render_index()

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        return html(index_page)

    @app.get("/plan/<token:str>")
    async def plan(request: Request, token: str) -> HTTPResponse:
        return plan_response(token)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    return app


def _notice(key: str, status: int) -> HTTPResponse:
    # The link does not say its language, so the notice is given in both.
    body = "\n\n".join(message(key, language) for language in ("en", "ms"))
    return html(markdown_to_html(body, "Sedia", "en"), status=status, headers=PRIVATE_HEADERS)


def plan_response(token: str) -> HTTPResponse:
    """The plan behind a private link: HTML, or Markdown when the link ends in ".md"."""
    as_markdown = token.endswith(MARKDOWN_SUFFIX)
    if as_markdown:
        token = token[: -len(MARKDOWN_SUFFIX)]
    with session_scope() as session:
        found = plan_by_token(session, token)
    if found is None:
        return _notice("plan.not_found", 404)
    if found.expired:
        return _notice("plan.expired", 410)
    if as_markdown:
        return text(found.markdown, headers=PRIVATE_HEADERS, content_type="text/markdown; charset=utf-8")
    page = markdown_to_html(found.markdown, message("plan.title", found.language), found.language)
    return html(page, headers=PRIVATE_HEADERS)
