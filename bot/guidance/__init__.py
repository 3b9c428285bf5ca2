"""Guidance Sedia gives: theme advice, graded recommendations and plan steps from the study.

The texts are data (`recommendations.yml`); this module only selects them. MQA answers
are in `bot/guidance/mqa.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

from bot.instrument import Wording, parse_wording

GUIDANCE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Recommendation:
    theme_id: str
    level_id: str
    owner: str
    owner_label: Wording
    text: Wording
    source: str


@lru_cache(maxsize=None)
def _recommendations_file() -> dict:
    with (GUIDANCE_DIR / "recommendations.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def theme_guidance(theme_id: str) -> Wording:
    """Short guidance for a theme the user raised in free text."""
    return parse_wording(_recommendations_file()["themes"][theme_id]["guidance"], f"guidance {theme_id}")


def _owner_label(owner: str) -> Wording:
    return parse_wording(_recommendations_file()["owners"][owner], f"owner {owner}")


def recommendation(theme_id: str, level_id: str) -> Recommendation:
    """The study's recommendation for a theme at a readiness level."""
    data = _recommendations_file()
    raw = data["themes"][theme_id]["recommendations"][level_id]
    return Recommendation(
        theme_id=theme_id,
        level_id=level_id,
        owner=raw["owner"],
        owner_label=_owner_label(raw["owner"]),
        text=parse_wording(raw["text"], "guidance"),
        source=data["source"],
    )


@dataclass(frozen=True)
class Step:
    """One step of an action plan and who takes it."""

    owner: str
    owner_label: Wording
    text: Wording


def _step(raw: dict, where: str) -> Step:
    return Step(raw["owner"], _owner_label(raw["owner"]), parse_wording(raw["text"], where))


def theme_actions(theme_id: str, level_id: str) -> List[Step]:
    """The plan actions of a theme that fit a readiness level, in the file's order."""
    return [
        _step(raw, f"plan action {theme_id}")
        for raw in _recommendations_file()["plan_actions"][theme_id]
        if level_id in raw["levels"]
    ]


def item_step(item_id: str) -> Step:
    """The concrete step for a statement that scored low."""
    return _step(_recommendations_file()["item_steps"][item_id], f"item step {item_id}")


def all_recommendations() -> Dict[str, Dict[str, Recommendation]]:
    """Every recommendation, by theme and level (for checks and documents)."""
    themes = _recommendations_file()["themes"]
    return {
        theme_id: {level: recommendation(theme_id, level) for level in raw["recommendations"]}
        for theme_id, raw in themes.items()
    }
