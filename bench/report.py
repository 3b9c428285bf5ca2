"""Writing benchmark tables into docs/benchmarks.md, one section per benchmark."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nWritten by the scripts in `bench/`; each section says how to run it again.\n"


def write_section(key: str, title: str, body: str) -> None:
    """Replace (or add) the section `key` of docs/benchmarks.md with `body`."""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    section = (
        f"<!-- {key} -->\n## {title}\n\n"
        f"Measured {date.today().isoformat()} with `.venv/bin/python -m bench.{key.replace('-', '_')}`.\n\n"
        f"{body}\n<!-- /{key} -->\n"
    )
    pattern = re.compile(rf"<!-- {re.escape(key)} -->.*?<!-- /{re.escape(key)} -->\n", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    BENCHMARKS.write_text(text, encoding="utf-8")
