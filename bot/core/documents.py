"""Printable HTML from the small Markdown subset Sedia writes (headings, lists, bold, links).

Every character of the source is escaped before the few Markdown marks are turned into
tags, so nothing in a stored plan can inject HTML.
"""

from __future__ import annotations

import html
import re
from typing import List

# Sedia's one bold mark, **text**; channels render it their own way.
BOLD = re.compile(r"\*\*(.+?)\*\*")
_URL = re.compile(r"(https?://[^\s<>&]+[^\s<>&.,;:)])")

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1b1b1b; }
h1 { color: #0b4f6c; font-size: 1.6rem; }
h2 { color: #0b4f6c; font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid #ccd; }
h3 { color: #0b4f6c; font-size: 1.05rem; margin-top: 1.2rem; }
li { margin: 0.3rem 0; }
li.check { list-style: none; }
li.check::before { content: "\\2610\\00a0"; }
a { color: #0b4f6c; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    escaped = BOLD.sub(r"<strong>\1</strong>", escaped)
    return _URL.sub(r'<a href="\1">\1</a>', escaped)


def markdown_to_html(markdown: str, title: str, language: str) -> str:
    """A whole printable HTML page for `markdown`."""
    body: List[str] = []
    in_list = False
    paragraph: List[str] = []

    def close() -> None:
        nonlocal in_list
        if paragraph:
            body.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if in_list:
            body.append("</ul>")
            in_list = False

    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped:
            close()
        elif stripped.startswith("### "):
            close()
            body.append(f"<h3>{_inline(stripped[4:])}</h3>")
        elif stripped.startswith("## "):
            close()
            body.append(f"<h2>{_inline(stripped[3:])}</h2>")
        elif stripped.startswith("# "):
            close()
            body.append(f"<h1>{_inline(stripped[2:])}</h1>")
        elif stripped.startswith("- "):
            if paragraph:
                body.append(f"<p>{_inline(' '.join(paragraph))}</p>")
                paragraph.clear()
            if not in_list:
                body.append("<ul>")
                in_list = True
            item = stripped[2:]
            if item.startswith("[ ] "):
                body.append(f'<li class="check">{_inline(item[4:])}</li>')
            else:
                body.append(f"<li>{_inline(item)}</li>")
        else:
            paragraph.append(stripped)
    close()
    lang = html.escape(language, quote=True)
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
