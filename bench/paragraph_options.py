"""Compare ways of reading the theme of a long message, on tests/nlu_paragraphs/ (issue 18).

`make bench-paragraphs` (`python -m bench.paragraph_options`). It trains DIET once, the way
`make nlu-eval` does but without Sedia's paragraph component, then scores each option with
the same figures as `make nlu-eval` (bot/nlp/paragraph_set.py) and writes the table to
docs/nlu-paragraphs.md:

- DIET alone, as Sedia read paragraphs before issue 18;
- the sentence reader (bot/nlp/paragraph_themes.py): sentences averaged, the paragraph
  read whole, and the mean of the two (what config.yml ships); and the shipped reading by
  a reader that learnt from the examples whole only, not also from their sentences;
- each reading mixed with DIET's theme scores, and the first sentence weighted double.

For the shipped reading it also tabulates the thresholds config.yml and
bot/core/theme_reading.py use: when to ask back instead of answering, and from what score
a second theme is offered.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import yaml

from bot.config.settings import REPO_ROOT
from bot.core.instrument import load_instrument
from bot.nlp import evaluate
from bot.nlp.long_examples import long_examples
from bot.nlp.paragraph_set import PARAGRAPH_GROUPS, Paragraph, ParagraphPrediction, paragraphs, score_paragraphs
from bot.nlp.paragraph_themes import ThemeModel, split_sentences

Scores = Dict[str, float]
Option = Callable[[Paragraph, Scores, List[Scores], Scores], Scores]


def _without_paragraph_component(config: Path, out: Path) -> Path:
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["pipeline"] = [c for c in raw["pipeline"] if "paragraph_component" not in c["name"]]
    out.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return out


def _mean(rows: Sequence[Scores], weights: Sequence[float]) -> Scores:
    total = sum(weights)
    return {k: sum(w * r[k] for w, r in zip(weights, rows)) / total for k in rows[0]}


def _mix(a: Scores, b: Scores, weight_of_b: float) -> Scores:
    return {k: (1 - weight_of_b) * a[k] + weight_of_b * b.get(k, 0.0) for k in a}


def _shipped(p: Paragraph, diet: Scores, per: List[Scores], whole: Scores) -> Scores:
    return _mean([_mean(per, [1] * len(per)), whole], [1, 1])


# Each option names the reader it uses: "sentences" learnt from the examples and from the
# sentences of the long ones (shipped), or "whole" examples only (before).
OPTIONS: List[Tuple[str, str, Option]] = [
    ("DIET alone (before issue 18)", "sentences", lambda p, diet, per, whole: diet),
    ("mean of sentences and whole, reader learnt from whole examples only", "whole", _shipped),
    ("sentences averaged", "sentences", lambda p, diet, per, whole: _mean(per, [1.0] * len(per))),
    ("paragraph read whole", "sentences", lambda p, diet, per, whole: whole),
    ("mean of sentences and whole (shipped)", "sentences", _shipped),
    (
        "shipped, first sentence counted twice",
        "sentences",
        lambda p, diet, per, whole: _mean([_mean(per, [2.0] + [1.0] * (len(per) - 1)), whole], [1, 1]),
    ),
    (
        "shipped, mixed 30% with DIET",
        "sentences",
        lambda p, diet, per, whole: _mix(_shipped(p, diet, per, whole), diet, 0.3),
    ),
    (
        "shipped, mixed 50% with DIET",
        "sentences",
        lambda p, diet, per, whole: _mix(_shipped(p, diet, per, whole), diet, 0.5),
    ),
]


THRESHOLDS = [(0.35, 0.10), (0.40, 0.15), (0.40, 0.20), (0.40, 0.25), (0.40, 0.30), (0.50, 0.25)]
SECOND_THEME_FROM = [0.10, 0.15, 0.20, 0.25]


def threshold_tables(predictions: Sequence[ParagraphPrediction]) -> str:
    """How often Sedia would answer, how often it would be right, and how often the primary
    theme would be among the two it offers, per threshold; then the second-theme trade-off."""
    lines = [
        "| threshold | ambiguity | answered | answered right | asked back | primary among the two offered |",
        "|---|---|---|---|---|---|",
    ]
    total = len(predictions)
    for threshold, ambiguity in THRESHOLDS:
        sure = [p for p in predictions if p.confidence >= threshold and p.confidence - p.ranking[1][1] >= ambiguity]
        asked = [p for p in predictions if p not in sure]
        right = sum(p.right for p in sure) / len(sure) if sure else 0.0
        offered = sum(p.in_top_two for p in asked) / len(asked) if asked else 1.0
        lines.append(
            f"| {threshold:.2f} | {ambiguity:.2f} | {len(sure) / total:.0%} | {right:.3f} | "
            f"{len(asked) / total:.0%} | {offered:.2f} |"
        )
    two = [p for p in predictions if p.paragraph.secondary]
    one = [p for p in predictions if not p.paragraph.secondary]
    lines += ["", "| second theme offered from | two-theme messages given both | one-theme messages given a second |"]
    lines.append("|---|---|---|")
    for start in SECOND_THEME_FROM:
        found = sum(
            p.ranking[1][1] >= start
            and {_theme(p.ranking[0][0]), _theme(p.ranking[1][0])} == {p.paragraph.primary, p.paragraph.secondary}
            for p in two
        )
        extra = sum(p.ranking[1][1] >= start for p in one)
        lines.append(f"| {start:.2f} | {found / len(two):.0%} | {extra / len(one):.0%} |")
    return "\n".join(lines)


def _theme(intent: str) -> str:
    return load_instrument().theme_of_intent(intent) or intent


def main() -> int:
    """Train once, score every option, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "nlu-paragraphs.md")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    train = evaluate.training_examples()
    items = paragraphs()
    with tempfile.TemporaryDirectory(prefix="sedia-paragraph-options-") as tmp:
        work = Path(tmp)
        config = _without_paragraph_component(REPO_ROOT / "config.yml", work / "config.yml")
        parsed = evaluate._parse_all(
            evaluate._train(train, config, evaluate.NLU_DIR, work, "diet"), [p.text for p in items]
        )
    themes = [e for e in train if e.intent in evaluate.THEME_INTENTS] + list(long_examples())
    readers = {
        "sentences": ThemeModel().fit([e.text for e in themes], [e.intent for e in themes]),
        "whole": ThemeModel(learn_sentences=False).fit([e.text for e in themes], [e.intent for e in themes]),
    }
    rows = ["| option | " + " | ".join(f"{evaluate.GROUP_NAMES[g]}: F1 / top-2 / gap" for g in PARAGRAPH_GROUPS) + " |"]
    rows.append("|---|" + "---|" * len(PARAGRAPH_GROUPS))
    shipped: List[ParagraphPrediction] = []
    for name, reader_name, option in OPTIONS:
        reader = readers[reader_name]
        predictions = []
        for item, result in zip(items, parsed):
            ranked = dict(evaluate._ranking(result))
            diet_themes = {k: v for k, v in ranked.items() if k in evaluate.THEME_INTENTS}
            total = sum(diet_themes.values()) or 1.0
            diet = {k: diet_themes.get(k, 0.0) / total for k in reader.themes}
            *per, whole = reader.sentence_scores([*split_sentences(item.text), item.text])
            scores = ranked if name.startswith("DIET") else option(item, diet, per, whole)
            ranking = tuple(sorted(scores.items(), key=lambda pair: pair[1], reverse=True))
            predictions.append(ParagraphPrediction(item, ranking))
        cells = []
        for group in PARAGRAPH_GROUPS:
            s = score_paragraphs(predictions, group)
            cells.append(f"{s.macro_f1:.3f} / {s.top2_recall:.3f} / {s.confidence_gap:+.3f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        if "(shipped)" in name:
            shipped = predictions
    table = "\n".join(rows) + "\n\n" + threshold_tables(shipped)
    print(table)
    args.out.write_text(
        "# Reading the theme of a long message: the options measured\n\n"
        "Written by `make bench-paragraphs` (bench/paragraph_options.py) on tests/nlu_paragraphs/. "
        "F1 is the primary theme's macro F1, top-2 is how often the primary theme is among the two "
        "likeliest, gap is how far the wrong answers' mean confidence lies below the right ones'.\n\n"
        f"{table}\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
