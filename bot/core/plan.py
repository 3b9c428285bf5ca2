"""The personalised action plan: ranked gaps, 3 to 5 owned actions each, what MQA requires
kept apart from good practice elsewhere, and a comparison with the user's faculty and
institution when those groups are big enough.

The actions come from `bot/guidance/recommendations.yml`, each labelled as the study's
recommendation or finding, or as Sedia's own suggestion; the MQA requirements and the
good practice come from the MQA knowledge base's checklist topic, with its sources.
`render_markdown` gives the text that is sent in chat, stored with the assessment, and
served as a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from bot.config.settings import min_group_size
from bot.core.instrument import Instrument, Level
from bot.core.messages import message, name_mqa_in_full, source_line
from bot.core.scoring import ReadinessProfile, ThemeScore, score_answers
from bot.guidance import Step, advice_label, item_step, recommendation, theme_actions
from bot.guidance.mqa import Topic, load_knowledge, sources

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
    chosen: List[Step] = [recommendation(theme.theme_id, theme.scored_level.id)]
    low = [
        (value, item)
        for item in instrument.theme(theme.theme_id).scale_items
        if (value := values.get(item.id)) is not None and value <= LOW_ITEM_VALUE
    ]
    low_items = [item for _, item in sorted(low, key=lambda pair: pair[0])]
    # The lowest statements get their own step first: they are the most specific advice.
    chosen += [item_step(item.id) for item in low_items]
    chosen += theme_actions(theme.theme_id, theme.scored_level.id)
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
    below = [t for t in scored if t.scored_level.id != ready]
    ranked = below[:TOP_GAPS] if below else scored[:1]
    gaps = tuple(PlanGap(theme, _actions_for(theme, values, instrument)) for theme in ranked)
    return ActionPlan(profile, gaps, all_ready=not below, comparisons=tuple(comparisons))


# ----- rendering ----------------------------------------------------------------------
def checklist_topic() -> Topic:
    """The knowledge base's checklist topic: MQA's requirements and good practice elsewhere."""
    return load_knowledge().topics[CHECKLIST_TOPIC]


def checklist_lines(language: str) -> List[str]:
    """What MQA requires, item by item (good practice from elsewhere is not in it)."""
    return [s.get(language) for s in checklist_topic().requires]


def good_practice_lines(language: str) -> List[str]:
    """Good practice from outside MQA, item by item, each saying whose it is."""
    return [s.get(language) for s in checklist_topic().good_practice]


def _action_line(action: Step, language: str) -> str:
    return f"- **{action.owner_label.get(language)}**: {action.text.get(language)} ({advice_label(action.provenance, language)})"


def _checklist_section(language: str) -> List[str]:
    topic = checklist_topic()
    lines = [f"## {message('plan.checklist', language)}", "", message("plan.checklist_intro", language), ""]
    lines += [" ".join(s.get(language) for s in topic.statements), ""]
    lines += [f"### {message('mqa.requires', language)}", ""]
    lines += [f"- [ ] {item}" for item in checklist_lines(language)]
    lines += ["", f"### {message('mqa.good_practice', language)}", ""]
    lines += [f"- {item}" for item in good_practice_lines(language)]
    return lines + [""]


def plan_sources(plan: ActionPlan, instrument: Instrument) -> List[str]:
    """The plan's source line: the paper if a study-based action is shown, then each fact cited."""
    study = any(a.from_study for gap in plan.gaps for a in gap.actions)
    facts = [s for s in sources(checklist_topic()) if s != instrument.citation_short]
    return ([instrument.citation_short] if study else []) + facts


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
        lines += [_action_line(a, language) for a in gap.actions]
        lines.append("")
    lines += _checklist_section(language)
    if plan.comparisons:
        lines += _comparison_lines(plan, instrument, language)
    lines.append(source_line(plan_sources(plan, instrument), language))
    return name_mqa_in_full("\n".join(lines).strip() + "\n", language)


def _comparison_lines(plan: ActionPlan, instrument: Instrument, language: str) -> List[str]:
    lines = [f"## {message('plan.comparison', language)}", ""]
    shown = [c for c in plan.comparisons if c.theme_means is not None]
    for c in plan.comparisons:
        group = message(f"plan.{c.group}", language)
        if c.theme_means is None:
            lines.append(
                "- "
                + message("plan.suppressed", language, group=group.capitalize(), name=c.name, minimum=min_group_size())
            )
        else:
            lines.append(
                "- " + message("plan.group_size", language, group=group.capitalize(), name=c.name, count=c.respondents)
            )
    lines.append("")
    if shown:
        for theme in plan.profile.themes:
            if not theme.is_scored:
                continue
            cells = [f"{message('plan.you', language)} {theme.score:.1f}"]
            for c in shown:
                mean = (c.theme_means or {}).get(theme.theme_id)
                cells.append(
                    f"{message(f'plan.{c.group}', language)} {mean:.1f}"
                    if mean is not None
                    else f"{message(f'plan.{c.group}', language)} –"
                )
            lines.append(f"- {instrument.theme(theme.theme_id).name.get(language)}: " + " · ".join(cells))
        lines.append("")
    return lines
