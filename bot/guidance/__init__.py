"""Guidance Sedia gives: theme advice, graded recommendations and plan steps.

The texts are data (`recommendations.yml`); this module only selects them. Each piece of
advice carries its provenance: the study's recommendations or findings, or Sedia's own
suggestion, and `advice_label` says which in the user's language. MQA answers are in
`bot/guidance/mqa.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.core.instrument import LANGUAGES, Statement, Wording, load_instrument, parse_statement, parse_wording
from bot.core.messages import message, name_mqa_in_full, source_line
from bot.core.provenance import SEDIA, STUDY, Provenance, ProvenanceError, parse_provenance

GUIDANCE_DIR = Path(__file__).parent
ADVICE_KINDS = (STUDY, SEDIA)
RECOMMENDATIONS = "recommendations"


@dataclass(frozen=True)
class Step:
    """One piece of advice: what to do, who does it, and where the advice comes from."""

    owner: str
    owner_label: Wording
    text: Wording
    provenance: Provenance

    @property
    def from_study(self) -> bool:
        """True when the advice rests on the study rather than on Sedia."""
        return self.provenance.kind == STUDY


@dataclass(frozen=True)
class Recommendation(Step):
    """The headline advice for a theme at a readiness level."""

    theme_id: str = ""
    level_id: str = ""


@lru_cache(maxsize=None)
def _recommendations_file() -> dict:
    with (GUIDANCE_DIR / "recommendations.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def advice_label(provenance: Provenance, language: str) -> str:
    """ "the study recommends", "the study found this need" or "Sedia suggests", in `language`."""
    if provenance.kind == SEDIA:
        return message("provenance.sedia", language)
    if RECOMMENDATIONS in provenance.cites:
        return message("provenance.study_recommends", language)
    return message("provenance.study_found", language)


def check_advice_provenance(provenance: Provenance, where: str) -> Provenance:
    """The provenance of a piece of advice, which must be the study's recommendations or
    findings, or Sedia's own suggestion (advice never states an MQA rule)."""
    is_study_advice = provenance.kind == STUDY and (provenance.is_finding or RECOMMENDATIONS in provenance.cites)
    if not (is_study_advice or provenance.kind == SEDIA):
        raise ProvenanceError(
            f"{where}: advice comes from the study's recommendations or findings, or from Sedia; got {provenance}"
        )
    return provenance


def theme_guidance_statements(theme_id: str) -> Tuple[Statement, ...]:
    """The statements of a theme's short guidance, each with its provenance."""
    raw = _recommendations_file()["themes"][theme_id]["guidance"]
    return tuple(parse_statement(s, f"guidance {theme_id} #{n}") for n, s in enumerate(raw, start=1))


def _joined(statements: Tuple[Statement, ...], language: str) -> str:
    return " ".join(s.get(language) for s in statements)


def theme_guidance(theme_id: str) -> Wording:
    """Short guidance for a theme the user raised in free text."""
    statements = theme_guidance_statements(theme_id)
    return Wording({lang: _joined(statements, lang) for lang in LANGUAGES})


def theme_guidance_answer(theme_id: str, language: str) -> str:
    """The theme's guidance in `language`, then its source line when it rests on the study."""
    statements = theme_guidance_statements(theme_id)
    text = _joined(statements, language)
    if any(s.provenance.kind == STUDY for s in statements):
        text += "\n" + source_line([load_instrument().citation_short], language)
    return name_mqa_in_full(text, language)


def _owner_label(owner: str) -> Wording:
    return parse_wording(_recommendations_file()["owners"][owner], f"owner {owner}")


def _step(raw: dict, where: str) -> Step:
    provenance = check_advice_provenance(parse_provenance(raw.get("from"), where), where)
    return Step(raw["owner"], _owner_label(raw["owner"]), parse_wording(raw["text"], where), provenance)


def recommendation(theme_id: str, level_id: str) -> Recommendation:
    """The recommendation for a theme at a readiness level."""
    raw = _recommendations_file()["themes"][theme_id]["recommendations"][level_id]
    step = _step(raw, f"recommendation {theme_id}/{level_id}")
    return Recommendation(step.owner, step.owner_label, step.text, step.provenance, theme_id, level_id)


def theme_actions(theme_id: str, level_id: str) -> List[Step]:
    """The plan actions of a theme that fit a readiness level, in the file's order."""
    return [
        _step(raw, f"plan action {theme_id} #{n}")
        for n, raw in enumerate(_recommendations_file()["plan_actions"][theme_id], start=1)
        if level_id in raw["levels"]
    ]


def all_theme_actions() -> Dict[str, List[Step]]:
    """Every plan action, by theme, whatever its levels (for checks)."""
    return {
        theme_id: [_step(raw, f"plan action {theme_id} #{n}") for n, raw in enumerate(actions, start=1)]
        for theme_id, actions in _recommendations_file()["plan_actions"].items()
    }


def item_step(item_id: str) -> Step:
    """The concrete step for a statement that scored low."""
    return _step(_recommendations_file()["item_steps"][item_id], f"item step {item_id}")


def all_item_steps() -> Dict[str, Step]:
    """Every item step, by item id (for checks)."""
    return {item_id: item_step(item_id) for item_id in _recommendations_file()["item_steps"]}


def all_recommendations() -> Dict[str, Dict[str, Recommendation]]:
    """Every recommendation, by theme and level (for checks and documents)."""
    themes = _recommendations_file()["themes"]
    return {
        theme_id: {level: recommendation(theme_id, level) for level in raw["recommendations"]}
        for theme_id, raw in themes.items()
    }
