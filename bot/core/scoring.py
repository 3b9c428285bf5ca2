"""Score a readiness assessment: theme scores, the readiness index, levels and gaps.

Rules (documented in the README):
- A theme score is the mean of its answered statements, on the 1-5 scale. "Not sure"
  and unanswered statements are left out; a theme with no answered statement has no score.
- The readiness index is the mean of the theme scores that exist, mapped from 1-5 onto
  0-100: index = (mean - 1) / 4 * 100, rounded to a whole number.
- A level comes from the thresholds in instrument.yml (`levels`).
- Gaps are the scored themes ranked lowest first; ties keep the instrument's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import List, Mapping, Optional, Tuple

from bot.core.instrument import Instrument, Level


@dataclass(frozen=True)
class ThemeScore:
    theme_id: str
    score: Optional[float]
    level: Optional[Level]
    answered: int
    total: int

    @property
    def is_scored(self) -> bool:
        """True when at least one statement of the theme was answered."""
        return self.score is not None

    @property
    def scored_level(self) -> Level:
        """The level of a scored theme (gaps hold only those); ValueError for one without answers."""
        if self.level is None:
            raise ValueError(f"theme {self.theme_id} has no answers, so no level")
        return self.level


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    theme_id: str
    value: int


@dataclass(frozen=True)
class ReadinessProfile:
    themes: Tuple[ThemeScore, ...]
    index: Optional[int]
    overall_level: Optional[Level]
    gaps: Tuple[ThemeScore, ...]
    weakest_items: Tuple[ItemScore, ...]

    @property
    def scored_level(self) -> Level:
        """The overall level when anything was scored; ValueError otherwise."""
        if self.overall_level is None:
            raise ValueError("nothing was scored, so there is no overall level")
        return self.overall_level

    def theme(self, theme_id: str) -> ThemeScore:
        """Return the score of one theme."""
        return next(t for t in self.themes if t.theme_id == theme_id)


def to_index(mean_score: float, instrument: Instrument) -> int:
    """Map a mean on the instrument's scale onto 0-100."""
    low, high = instrument.scale.minimum, instrument.scale.maximum
    return int(round((mean_score - low) / (high - low) * 100))


def score_answers(answers: Mapping[str, Optional[int]], instrument: Instrument) -> ReadinessProfile:
    """Score answers keyed by item id (value None = not sure); unknown ids are ignored."""
    theme_scores: List[ThemeScore] = []
    item_scores: List[ItemScore] = []
    for theme in instrument.themes:
        values = []
        for item in theme.scale_items:
            value = answers.get(item.id)
            if value is None:
                continue
            if not instrument.scale.minimum <= value <= instrument.scale.maximum:
                raise ValueError(f"{item.id}: {value} is outside the scale")
            values.append(value)
            item_scores.append(ItemScore(item.id, theme.id, value))
        score = round(mean(values), 2) if values else None
        theme_scores.append(
            ThemeScore(
                theme_id=theme.id,
                score=score,
                level=instrument.level_for(score) if score is not None else None,
                answered=len(values),
                total=len(theme.scale_items),
            )
        )
    scored = [t for t in theme_scores if t.is_scored]
    overall = mean(t.score for t in scored if t.score is not None) if scored else None
    order = {theme_id: n for n, theme_id in enumerate(instrument.theme_ids)}
    gaps = sorted(scored, key=lambda t: (t.score, order[t.theme_id]))
    item_order = {item.id: n for n, item in enumerate(instrument.items)}
    weakest = sorted(item_scores, key=lambda i: (i.value, item_order[i.item_id]))
    return ReadinessProfile(
        themes=tuple(theme_scores),
        index=to_index(overall, instrument) if overall is not None else None,
        overall_level=instrument.level_for(overall) if overall is not None else None,
        gaps=tuple(gaps),
        weakest_items=tuple(weakest),
    )
