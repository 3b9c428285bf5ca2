"""Print the NLU cross-validation results that `make nlu-eval` produces.

`python -m bot.nlp.report RESULTS_DIR` reads Rasa's intent_report.json and prints the
F1 of every intent and the macro F1, marking the theme intents against the 0.90 target.
It exits 1 when a theme intent misses the target.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List

THEME_TARGET = 0.90
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def f1_table(report: Dict[str, dict]) -> List[tuple]:
    """(intent, f1, support) for every intent, sorted by name."""
    return sorted(
        (name, float(scores["f1-score"]), int(scores.get("support", 0)))
        for name, scores in report.items()
        if name not in SUMMARY_KEYS and isinstance(scores, dict)
    )


def render(report: Dict[str, dict]) -> str:
    """A Markdown table of F1 per intent, then the macro F1."""
    lines = ["| intent | F1 | examples | target |", "|---|---|---|---|"]
    for name, f1, support in f1_table(report):
        target = ""
        if name.startswith("theme_"):
            target = "met" if f1 >= THEME_TARGET else f"MISSED (< {THEME_TARGET:.2f})"
        lines.append(f"| {name} | {f1:.3f} | {support} | {target} |")
    lines.append(f"| **macro average** | **{report['macro avg']['f1-score']:.3f}** | | |")
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    """Print the table for the results folder given; 1 if a theme intent misses the target."""
    folder = Path(argv[0]) if argv else Path("results/nlu-cv")
    report = json.loads((folder / "intent_report.json").read_text(encoding="utf-8"))
    print("NLU 5-fold cross-validation, F1 per intent:\n")
    print(render(report))
    missed = [n for n, f1, _ in f1_table(report) if n.startswith("theme_") and f1 < THEME_TARGET]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
