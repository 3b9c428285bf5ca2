"""The personalised action plan: ranked gaps, 3 to 5 owned actions each, MQA's checklist,
and a comparison with the user's faculty and institution when those groups are big enough.

The actions come from `bot/guidance/recommendations.yml` (the study's recommendations);
the checklist from the MQA knowledge base. `render_markdown` gives the text that is sent
in chat, stored with the assessment, and served as a document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from bot.guidance import Step, item_step, recommendation, theme_actions
from bot.guidance.mqa import load_knowledge
from bot.instrument import Instrument, Level
from bot.messages import message
from bot.privacy import may_show, min_group_size
from bot.scoring import ReadinessProfile, ThemeScore, score_answers

TOP_GAPS = 3
MIN_ACTIONS = 3
MAX_ACTIONS = 5
LOW_ITEM_VALUE = 2
COMPARED_GROUPS = ("faculty", "institution")
CHECKLIST_TOPIC = "qa_checklist"


@dataclass(frozen=True)
class PlanGap:
    """A theme below "ready" (or the lowest theme, when none is), with its actions."""

    theme: ThemeScore
    actions: Tuple[Step, ...]


@dataclass(frozen=True)
class Comparison:
    """A group's theme means, or None when the group is too small to be shown."""

    group: str
    name: str
    respondents: int
    theme_means: Optional[Dict[str, float]]


@dataclass(frozen=True)
class ActionPlan:
    """Everything the plan shows."""

    profile: ReadinessProfile
    gaps: Tuple[PlanGap, ...]
    all_ready: bool
    comparisons: Tuple[Comparison, ...]


def _actions_for(theme: ThemeScore, values: Mapping[str, Optional[int]], instrument: Instrument) -> Tuple[Step, ...]:
    headline = recommendation(theme.theme_id, theme.level.id)
    chosen = [Step(headline.owner, headline.owner_label, headline.text)]
    low_items = sorted(
        (item for item in instrument.theme(theme.theme_id).scale_items
         if values.get(item.id) is not None and values[item.id] <= LOW_ITEM_VALUE),
        key=lambda item: values[item.id],
    )
    # The lowest statements get their own step first: they are the most specific advice.
    chosen += [item_step(item.id) for item in low_items]
    chosen += theme_actions(theme.theme_id, theme.level.id)
    unique: List[Step] = []
    for action in chosen:
        if action.text.get("en") not in {a.text.get("en") for a in unique}:
            unique.append(action)
    return tuple(unique[:MAX_ACTIONS])


def build_plan(
    values: Mapping[str, Optional[int]], instrument: Instrument, comparisons: Sequence[Comparison] = ()
) -> Optional[ActionPlan]:
    """The plan for a set of scale answers (item id -> 1..5 or None); None if nothing is scored."""
    profile = score_answers(dict(values), instrument)
    scored = [t for t in profile.gaps if t.is_scored]
    if not scored:
        return None
    ready = instrument.levels[-1].id
    below = [t for t in scored if t.level.id != ready]
    ranked = below[:TOP_GAPS] if below else scored[:1]
    gaps = tuple(PlanGap(theme, _actions_for(theme, values, instrument)) for theme in ranked)
    return ActionPlan(profile, gaps, all_ready=not below, comparisons=tuple(comparisons))


def comparison(group: str, name: str, respondents: int, theme_means: Dict[str, float]) -> Comparison:
    """A comparison with a group, suppressed when the group is below the minimum size."""
    return Comparison(group, name, respondents, dict(theme_means) if may_show(respondents) else None)


# ----- rendering ----------------------------------------------------------------------
def checklist_lines(language: str) -> List[str]:
    """The MQA checklist items, from the knowledge base's checklist answer."""
    text = load_knowledge().topics[CHECKLIST_TOPIC].text.get(language)
    return [line[2:].strip() for line in text.splitlines() if line.startswith("- ")]


def _level(level: Optional[Level], language: str) -> str:
    return level.label.get(language) if level else ""


def render_markdown(plan: ActionPlan, instrument: Instrument, language: str) -> str:
    """The whole plan as Markdown, in `language`."""
    lines = [f"# {message('plan.title', language)}", "", message("plan.intro", language), ""]
    if plan.all_ready:
        lines += [message("plan.no_gaps", language), ""]
    for rank, gap in enumerate(plan.gaps, start=1):
        name = instrument.theme(gap.theme.theme_id).name.get(language)
        lines.append(f"## {rank}. {name}: {gap.theme.score:.1f}/5 ({_level(gap.theme.level, language)})")
        lines.append("")
        lines += [f"- **{a.owner_label.get(language)}**: {a.text.get(language)}" for a in gap.actions]
        lines.append("")
    lines += [f"## {message('plan.checklist', language)}", ""]
    lines += [f"- [ ] {item}" for item in checklist_lines(language)]
    lines.append("")
    if plan.comparisons:
        lines += _comparison_lines(plan, instrument, language)
    lines.append(f"{message('summary.source', language)}: {instrument.citation_short}; MQA, GGP: Micro-credentials (2020).")
    return "\n".join(lines).strip() + "\n"


def _comparison_lines(plan: ActionPlan, instrument: Instrument, language: str) -> List[str]:
    lines = [f"## {message('plan.comparison', language)}", ""]
    shown = [c for c in plan.comparisons if c.theme_means is not None]
    for c in plan.comparisons:
        group = message(f"plan.{c.group}", language)
        if c.theme_means is None:
            lines.append("- " + message("plan.suppressed", language, group=group.capitalize(), name=c.name, minimum=min_group_size()))
        else:
            lines.append("- " + message("plan.group_size", language, group=group.capitalize(), name=c.name, count=c.respondents))
    lines.append("")
    if shown:
        for theme in plan.profile.themes:
            if not theme.is_scored:
                continue
            cells = [f"{message('plan.you', language)} {theme.score:.1f}"]
            for c in shown:
                mean = c.theme_means.get(theme.theme_id)
                cells.append(f"{message(f'plan.{c.group}', language)} {mean:.1f}" if mean is not None else f"{message(f'plan.{c.group}', language)} –")
            lines.append(f"- {instrument.theme(theme.theme_id).name.get(language)}: " + " · ".join(cells))
        lines.append("")
    return lines
