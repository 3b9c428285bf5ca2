"""The paragraph evaluation set (tests/nlu_paragraphs/) and the figures `make nlu-eval` reports on it.

Each message there is a long, multi-sentence opinion, labelled with the theme it is mostly
about (`primary`) and, for about a third, another theme it touches (`secondary`). The
figures: primary-theme macro F1, top-2 recall (is the primary theme among the two likeliest
intents?), and calibration (mean confidence of wrong answers against right ones, and the
expected calibration error).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.config.settings import REPO_ROOT
from bot.core.instrument import load_instrument
from bot.nlp.report_tables import section_head

PARAGRAPH_DIR = REPO_ROOT / "tests" / "nlu_paragraphs"
PARAGRAPH_GROUPS = ("en", "ms", "mixed")
MIN_WORDS, MAX_WORDS = 30, 120
# Targets of issue 18.
MACRO_F1_TARGET = 0.85
TOP2_TARGET = 0.95
CONFIDENCE_GAP_TARGET = 0.15
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Paragraph:
    """One labelled long message."""

    text: str
    primary: str
    secondary: Optional[str]
    group: str

    @property
    def words(self) -> int:
        """How many words the message has."""
        return len(self.text.split())


def theme_ids() -> Tuple[str, ...]:
    """The themes a paragraph can be labelled with (the instrument's)."""
    return tuple(theme.id for theme in load_instrument().themes)


def read_paragraphs(path: Path, group: str) -> List[Paragraph]:
    """The paragraphs of one file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Paragraph(" ".join(str(p["text"]).split()), str(p["primary"]), p.get("secondary"), group)
        for p in raw.get("paragraphs") or []
    ]


def group_files(directory: Path, groups: Sequence[str]) -> List[Tuple[Path, str]]:
    """The `<group>.yml` files of a folder that exist, each with its language group."""
    return [(directory / f"{group}.yml", group) for group in groups if (directory / f"{group}.yml").exists()]


def paragraphs(directory: Path = PARAGRAPH_DIR) -> List[Paragraph]:
    """Every paragraph of the set, labelled with its language group."""
    return [p for path, group in group_files(directory, PARAGRAPH_GROUPS) for p in read_paragraphs(path, group)]


@dataclass(frozen=True)
class ParagraphPrediction:
    """What the pipeline made of one paragraph: its intents, likeliest first, with confidences."""

    paragraph: Paragraph
    ranking: Tuple[Tuple[str, float], ...]

    @property
    def predicted(self) -> str:
        """The likeliest intent's theme, or the intent itself when it is not a theme's."""
        return _theme_of(self.ranking[0][0]) if self.ranking else ""

    @property
    def confidence(self) -> float:
        """The likeliest intent's confidence."""
        return self.ranking[0][1] if self.ranking else 0.0

    @property
    def right(self) -> bool:
        """True when the likeliest intent is the primary theme's."""
        return self.predicted == self.paragraph.primary

    @property
    def in_top_two(self) -> bool:
        """True when the primary theme is one of the two likeliest intents."""
        return self.paragraph.primary in {_theme_of(name) for name, _ in self.ranking[:2]}


def _theme_of(intent: str) -> str:
    return load_instrument().theme_of_intent(intent) or intent


@dataclass(frozen=True)
class ParagraphScores:
    """The figures for one language group."""

    group: str
    messages: int
    macro_f1: float
    f1: Dict[str, float]
    top2_recall: float
    right_confidence: float
    wrong_confidence: float
    calibration_error: float
    wrong: int

    @property
    def confidence_gap(self) -> float:
        """How far the wrong answers' mean confidence lies below the right ones'."""
        return self.right_confidence - self.wrong_confidence

    @property
    def met(self) -> bool:
        """True when every target of issue 18 is met."""
        return (
            self.macro_f1 >= MACRO_F1_TARGET
            and self.top2_recall >= TOP2_TARGET
            and (self.wrong == 0 or self.confidence_gap >= CONFIDENCE_GAP_TARGET)
        )


def expected_calibration_error(predictions: Sequence[ParagraphPrediction], bins: int = CALIBRATION_BINS) -> float:
    """The gap between confidence and accuracy, averaged over equal-width confidence bins
    and weighted by how many predictions fall in each."""
    if not predictions:
        return 0.0
    total = 0.0
    for number in range(bins):
        low, high = number / bins, (number + 1) / bins
        members = [p for p in predictions if low < p.confidence <= high or (number == 0 and p.confidence == 0)]
        if members:
            accuracy = sum(p.right for p in members) / len(members)
            confidence = sum(p.confidence for p in members) / len(members)
            total += len(members) * abs(accuracy - confidence)
    return total / len(predictions)


def score_paragraphs(predictions: Sequence[ParagraphPrediction], group: str) -> Optional[ParagraphScores]:
    """The figures for one language group (None if it has no paragraphs)."""
    from sklearn.metrics import f1_score

    chosen = [p for p in predictions if p.paragraph.group == group]
    if not chosen:
        return None
    themes = list(theme_ids())
    values = f1_score(
        [p.paragraph.primary for p in chosen],
        [p.predicted for p in chosen],
        labels=themes,
        average=None,
        zero_division=0,
    )
    f1 = {theme: float(v) for theme, v in zip(themes, values)}
    right = [p.confidence for p in chosen if p.right]
    wrong = [p.confidence for p in chosen if not p.right]
    return ParagraphScores(
        group=group,
        messages=len(chosen),
        macro_f1=sum(f1.values()) / len(f1),
        f1=f1,
        top2_recall=sum(p.in_top_two for p in chosen) / len(chosen),
        right_confidence=sum(right) / len(right) if right else 0.0,
        wrong_confidence=sum(wrong) / len(wrong) if wrong else 0.0,
        calibration_error=expected_calibration_error(chosen),
        wrong=len(wrong),
    )


def render_paragraphs(title: str, scores: Sequence[ParagraphScores], names: Dict[str, str]) -> str:
    """A Markdown section with the figures per language and the targets."""
    lines = section_head(
        title,
        [
            "language",
            "messages",
            "primary theme, macro F1",
            "top-2 recall",
            "mean confidence, right",
            "mean confidence, wrong",
            "gap",
            "ECE",
            "targets",
        ],
    )
    for s in scores:
        lines.append(
            f"| {names[s.group]} | {s.messages} | {s.macro_f1:.3f} | {s.top2_recall:.3f} | "
            f"{s.right_confidence:.3f} | {s.wrong_confidence:.3f} ({s.wrong}) | {s.confidence_gap:+.3f} | "
            f"{s.calibration_error:.3f} | {'met' if s.met else 'missed'} |"
        )
    lines += [
        "",
        f"Targets: macro F1 >= {MACRO_F1_TARGET:.2f}, top-2 recall >= {TOP2_TARGET:.2f}, wrong answers' mean "
        f"confidence at least {CONFIDENCE_GAP_TARGET:.2f} below right ones'.",
    ]
    themes = theme_ids()
    lines += ["", "| theme | " + " | ".join(names[s.group] for s in scores) + " |", "|---|" + "---|" * len(scores)]
    for theme in themes:
        lines.append(f"| {theme} | " + " | ".join(f"{s.f1[theme]:.3f}" for s in scores) + " |")
    return "\n".join(lines)
