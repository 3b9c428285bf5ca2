"""How much the web widget costs a page: bytes of each asset, raw and gzipped.

Run: `.venv/bin/python -m bench.widget_size`. Prints a table and writes it into
docs/benchmarks.md (between this benchmark's markers).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import List, Tuple

from bench.report import write_section

WIDGET = Path(__file__).resolve().parents[1] / "bot" / "widget"
ASSETS = ("sedia-widget.js", "vendor/socket.io.min.js", "sedia-widget.css")
# What the widget's JavaScript may weigh, gzipped: a quarter of a typical page's image.
BUDGET_JS_GZIP = 30_000


def measure() -> List[Tuple[str, int, int]]:
    """(asset, bytes, gzipped bytes) for each asset the widget loads."""
    rows = []
    for name in ASSETS:
        data = (WIDGET / name).read_bytes()
        rows.append((name, len(data), len(gzip.compress(data, compresslevel=9))))
    return rows


def table(rows: List[Tuple[str, int, int]]) -> str:
    """The measurements as a Markdown table, with the JavaScript total against its budget."""
    lines = ["| asset | bytes | gzipped |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {raw:,} | {packed:,} |" for name, raw, packed in rows]
    js = sum(packed for name, _, packed in rows if name.endswith(".js"))
    lines.append(f"| **JavaScript in all** | {sum(r for n, r, _ in rows if n.endswith('.js')):,} | **{js:,}** |")
    verdict = "within" if js <= BUDGET_JS_GZIP else "OVER"
    lines += ["", f"JavaScript gzipped: {js:,} bytes, {verdict} the budget of {BUDGET_JS_GZIP:,} bytes."]
    return "\n".join(lines)


def main() -> int:
    text = table(measure())
    print(text)
    write_section("widget-size", "Web widget size", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
