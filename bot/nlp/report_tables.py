"""The Markdown tables `make nlu-eval` prints: one helper for a section's title and table head."""

from __future__ import annotations

from typing import List, Sequence


def section_head(title: str, columns: Sequence[str]) -> List[str]:
    """A section title, a blank line, and the head of a table with these columns."""
    return [f"### {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
