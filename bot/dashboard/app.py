"""The Sanic web app: a page that says what Sedia is, and a health check."""
from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, json

from bot.instrument import load_instrument

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

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    return app
