"""Charts drawn on the server as SVG: nothing to load from anywhere, readable without
JavaScript, and every label escaped. Each chart has a title and a text alternative."""

from __future__ import annotations

from html import escape
from typing import Any, Dict, List, Optional, Sequence

from markupsafe import Markup

from bot.service.reports import DISTRIBUTION_KEYS

SCALE_MIN, SCALE_MAX = 1, 5
# Strongly disagree ... strongly agree, then "not sure" in grey (ColorBrewer RdYlBu, 5 classes).
ANSWER_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6", "#bdbdbd")
ANSWER_NAMES = ("1 strongly disagree", "2 disagree", "3 neutral", "4 agree", "5 strongly agree", "not sure")
BAR_COLOUR = "#2c7bb6"
MUTED = "#6b6b6b"
LABEL_WIDTH = 290
ROW_HEIGHT = 34
PLOT_WIDTH = 420
# About how wide one character of the 11 px legend is, to space its entries.
LEGEND_CHAR_WIDTH = 6.2


def _svg(width: int, height: int, title: str, body: List[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, content: str, anchor: str = "start", fill: str = "#1a1a1a", size: int = 13) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}">'
        f"{escape(content)}</text>"
    )


def theme_means_chart(themes: Sequence[Dict[str, Any]], title: str) -> Markup:
    """Horizontal bars of each theme's mean on the 1-5 scale; a suppressed theme says so."""
    height = ROW_HEIGHT * len(themes) + 30
    body = []
    for x, label in (
        (LABEL_WIDTH + PLOT_WIDTH * (v - SCALE_MIN) / (SCALE_MAX - SCALE_MIN), str(v))
        for v in range(SCALE_MIN, SCALE_MAX + 1)
    ):
        body.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 24}" stroke="#dddddd"/>')
        body.append(_text(x, height - 8, label, "middle", MUTED, 12))
    for row, theme in enumerate(themes):
        y = row * ROW_HEIGHT
        body.append(_text(LABEL_WIDTH - 8, y + 21, theme["name"], "end"))
        if theme.get("suppressed"):
            body.append(_text(LABEL_WIDTH + 6, y + 21, theme.get("note") or "suppressed", fill=MUTED))
            continue
        width = PLOT_WIDTH * (theme["mean"] - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
        body.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 6}" width="{max(width, 1):.1f}" height="20" fill="{BAR_COLOUR}"/>'
        )
        body.append(_text(LABEL_WIDTH + max(width, 1) + 6, y + 21, f"{theme['mean']:.2f}"))
    return _svg(LABEL_WIDTH + PLOT_WIDTH + 50, height, title, body)


def distribution_chart(themes: Sequence[Dict[str, Any]], title: str) -> Markup:
    """Per theme, one bar split by the share of each answer, with a legend."""
    legend_height = 28
    height = ROW_HEIGHT * len(themes) + legend_height
    body = []
    x = 0.0
    for colour, name in zip(ANSWER_COLOURS, ANSWER_NAMES):
        body.append(f'<rect x="{x:.1f}" y="4" width="12" height="12" fill="{colour}" stroke="#888888"/>')
        body.append(_text(x + 16, 15, name, size=11))
        x += 16 + LEGEND_CHAR_WIDTH * len(name) + 14
    for row, theme in enumerate(themes):
        y = legend_height + row * ROW_HEIGHT
        body.append(_text(LABEL_WIDTH - 8, y + 21, theme["name"], "end"))
        if theme.get("suppressed"):
            body.append(_text(LABEL_WIDTH + 6, y + 21, theme.get("note") or "suppressed", fill=MUTED))
            continue
        counts = [theme["distribution"].get(k, 0) for k in DISTRIBUTION_KEYS]
        total = sum(counts) or 1
        x = float(LABEL_WIDTH)
        for count, colour, name in zip(counts, ANSWER_COLOURS, ANSWER_NAMES):
            width = PLOT_WIDTH * count / total
            if width <= 0:
                continue
            body.append(
                f'<rect x="{x:.1f}" y="{y + 6}" width="{width:.1f}" height="20" fill="{colour}">'
                f"<title>{escape(name)}: {count}</title></rect>"
            )
            x += width
    return _svg(LABEL_WIDTH + PLOT_WIDTH + 50, height, title, body)


def trend_chart(months: Sequence[Dict[str, Any]], title: str) -> Markup:
    """The readiness index (0-100) by month as a line; suppressed months leave a gap."""
    width, height, left, right, top, bottom = 700, 240, 70, 40, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    for value in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - value / 100)
        body.append(f'<line x1="{left - 30}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#dddddd"/>')
        body.append(_text(left - 36, y + 4, str(value), "end", MUTED, 11))
    step = plot_w / max(len(months) - 1, 1)
    segment: List[str] = []
    for n, month in enumerate(months):
        x = left + (step * n if len(months) > 1 else plot_w / 2)
        body.append(_text(x, height - 14, month["month"], "middle", MUTED, 11))
        index: Optional[int] = None if month.get("suppressed") else month.get("readiness_index")
        if index is None:
            if len(segment) > 1:
                body.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR_COLOUR}" stroke-width="2"/>'
                )
            segment = []
            body.append(_text(x, top + plot_h / 2, "–", "middle", MUTED))
            continue
        y = top + plot_h * (1 - index / 100)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR_COLOUR}"><title>{escape(month["month"])}: {index}</title></circle>'
        )
        body.append(_text(x, y - 8, str(index), "middle", size=11))
    if len(segment) > 1:
        body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR_COLOUR}" stroke-width="2"/>')
    return _svg(width, height, title, body)


def heat_class(mean: Optional[float]) -> str:
    """The CSS class of a heat map cell: eight bands over the 1-5 scale."""
    if mean is None:
        return "heat-none"
    band = int((min(max(mean, SCALE_MIN), SCALE_MAX) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 7.999)
    return f"heat-{band}"
