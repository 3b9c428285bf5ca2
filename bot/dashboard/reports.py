"""The dashboard's reports: aggregate numbers with the privacy rules applied.

Each function returns a JSON-ready dict that the API sends as it is, the HTML views
render and the exports flatten, so all three show the same numbers. A group smaller
than the minimum group size, or one whose numbers a total minus the shown groups would
reveal, appears only as {"suppressed": true, "note": "fewer than 5 respondents"}.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import Any, Dict, List, Optional

from sqlalchemy.orm import Session

from bot.config.settings import min_group_size
from bot.core.instrument import Instrument, load_instrument
from bot.core.privacy import may_show, suppressed_groups, suppression_note
from bot.core.profile import label_of
from bot.core.scoring import to_index
from bot.storage import readiness_queries as queries
from bot.storage.readiness_queries import DIMENSIONS, EVERYONE, Scope, ThemeStats

NOT_GIVEN = "(not given)"
# How an answer distribution is keyed in reports: the scale values, then "not sure" (None).
ANSWER_VALUES = (*queries.SCALE_VALUES, None)
DISTRIBUTION_KEYS = (*(str(v) for v in queries.SCALE_VALUES), "not_sure")
LOWEST_ITEMS = 10


def _suppressed(label: Any, **extra: Any) -> Dict[str, Any]:
    return {**extra, "group": label, "suppressed": True, "note": suppression_note()}


@dataclass(frozen=True)
class Labels:
    """Display names for themes, items and profile values, from the instrument."""

    instrument: Instrument

    def theme(self, theme_id: str) -> str:
        """A theme's English name."""
        return self.instrument.theme(theme_id).name.get("en")

    def item(self, item_id: str) -> str:
        """A statement's English wording."""
        return self.instrument.item(item_id).text.get("en")

    def group(self, dimension: Optional[str], value: Optional[str]) -> str:
        """A group's name: role and zone ids become their labels; a missing value says so."""
        return NOT_GIVEN if value is None else label_of(dimension or "", value, self.instrument)


def labels() -> Labels:
    """Labels from the instrument file."""
    return Labels(load_instrument())


def _theme_block(theme_id: str, stats: Optional[ThemeStats], hidden: bool, names: Labels) -> Dict[str, Any]:
    """A theme's mean and distribution, shown only when at least the minimum of people
    placed themselves on its scale (`stats.contributors`) and the group is not hidden."""
    block: Dict[str, Any] = {"theme": theme_id, "name": names.theme(theme_id)}
    mean_value = stats.mean if stats is not None else None
    if hidden or mean_value is None or stats is None or not may_show(stats.contributors):
        block.update(suppressed=True, note=suppression_note())
        return block
    distribution = {key: stats.distribution.get(value, 0) for key, value in zip(DISTRIBUTION_KEYS, ANSWER_VALUES)}
    block.update(
        suppressed=False,
        mean=round(mean_value, 2),
        respondents=stats.contributors,
        answers=stats.answered,
        distribution=distribution,
    )
    return block


def _contributors(stats: Dict[Any, ThemeStats], group: Any, theme_id: str) -> int:
    found = stats.get((group, theme_id))
    return found.contributors if found is not None else 0


def _overall(themes: List[Dict[str, Any]]) -> Optional[float]:
    """The mean of the theme means, only when every theme mean is shown: with one hidden,
    the index and the shown means together would give it away."""
    shown = [t["mean"] for t in themes if not t["suppressed"]]
    return mean(shown) if themes and len(shown) == len(themes) else None


def _group_block(
    label: str, counts: queries.GroupCounts, themes: List[Dict[str, Any]], instrument: Instrument
) -> Dict[str, Any]:
    overall = _overall(themes)
    return {
        "group": label,
        "suppressed": False,
        "respondents": counts.respondents,
        "assessments_started": counts.started,
        "assessments_completed": counts.completed,
        "completion_rate": round(counts.completed / counts.started, 3) if counts.started else None,
        "readiness_index": to_index(overall, instrument) if overall is not None else None,
        "level": instrument.level_for(overall).id if overall is not None else None,
        "themes": themes,
    }


def overview(session: Session, scope: Scope, group_by: Optional[str] = None) -> Dict[str, Any]:
    """Respondents, assessments, completion, readiness index and theme means and
    distributions for everyone in scope, and per group when `group_by` is a dimension."""
    if group_by is not None and group_by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {', '.join(DIMENSIONS)}")
    names = labels()
    instrument = names.instrument
    theme_ids = instrument.theme_ids
    report: Dict[str, Any] = {
        "scope": _scope_document(scope),
        "min_group_size": min_group_size(),
        "group_by": group_by,
    }
    total_counts = queries.group_counts(session, scope).get(EVERYONE) or queries.GroupCounts(0, 0, 0, 0)
    if not may_show(total_counts.respondents):
        report["total"] = _suppressed("everyone")
        report["groups"] = []
        return report
    # Theme numbers rest on completed assessments: everyone who finished was asked every
    # statement ("not sure" is an answer), so the group behind them is the completed respondents.
    total_stats = queries.theme_stats(session, scope)
    report["total"] = _group_block(
        "everyone",
        total_counts,
        [_theme_block(t, total_stats.get((EVERYONE, t)), False, names) for t in theme_ids],
        instrument,
    )
    if group_by is not None:
        report["groups"] = _breakdown(session, scope, group_by, names)
    return report


def _breakdown(session: Session, scope: Scope, group_by: str, names: Labels) -> List[Dict[str, Any]]:
    """One block per group of `group_by`, suppressed ones (and those a total minus the
    others would reveal) without numbers."""
    instrument = names.instrument
    counts = queries.group_counts(session, scope, group_by)
    stats = queries.theme_stats(session, scope, group_by)
    hidden_groups = suppressed_groups({g: c.respondents for g, c in counts.items()})
    # Each theme's means rest on the people who answered its scale, so each theme has its
    # own suppression, with the subtraction case, over those people.
    hidden_means = {
        t: suppressed_groups({g: _contributors(stats, g, t) for g in counts}, hidden_groups)
        for t in instrument.theme_ids
    }
    groups = []
    for group in sorted(counts, key=lambda g: (g is None, names.group(group_by, g).lower())):
        label = names.group(group_by, group)
        if group in hidden_groups:
            groups.append(_suppressed(label))
            continue
        themes = [_theme_block(t, stats.get((group, t)), group in hidden_means[t], names) for t in instrument.theme_ids]
        groups.append(_group_block(label, counts[group], themes, instrument))
    return groups


def heatmap(session: Session, scope: Scope, by: str) -> Dict[str, Any]:
    """Theme means by group (faculty, zone, role or institution): rows are groups, columns themes."""
    if by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {', '.join(DIMENSIONS)}")
    names = labels()
    people = queries.group_counts(session, scope).get(EVERYONE)
    # Below the minimum in all, every row would be a small group: show none.
    groups = _breakdown(session, scope, by, names) if people and may_show(people.respondents) else []
    rows = []
    for group in groups:
        if group["suppressed"]:
            rows.append(group)
            continue
        cells = [
            {"theme": t["theme"], "suppressed": True, "note": t["note"]}
            if t["suppressed"]
            else {"theme": t["theme"], "suppressed": False, "mean": t["mean"], "respondents": t["respondents"]}
            for t in group["themes"]
        ]
        rows.append({"group": group["group"], "suppressed": False, "respondents": group["respondents"], "cells": cells})
    return {
        "scope": _scope_document(scope),
        "min_group_size": min_group_size(),
        "by": by,
        "themes": [{"theme": t, "name": names.theme(t)} for t in names.instrument.theme_ids],
        "rows": rows,
    }


def trend(session: Session, scope: Scope) -> Dict[str, Any]:
    """Per month of completion: completed assessments, respondents, readiness index and theme means."""
    names = labels()
    instrument = names.instrument
    theme_ids = instrument.theme_ids
    counts = {m: c for m, c in queries.group_counts(session, scope, "month").items() if m is not None}
    stats = queries.theme_stats(session, scope, "month")
    hidden_months = suppressed_groups({m: c.completed_respondents for m, c in counts.items()})
    months = []
    for month in sorted(counts):
        if month in hidden_months:
            months.append(_suppressed(month, month=month))
            continue
        done = counts[month].completed_respondents
        themes = [_theme_block(t, stats.get((month, t)), False, names) for t in theme_ids]
        overall = _overall(themes)
        months.append(
            {
                "month": month,
                "group": month,
                "suppressed": False,
                "assessments_completed": counts[month].completed,
                "respondents": done,
                "readiness_index": to_index(overall, instrument) if overall is not None else None,
                "themes": [{k: v for k, v in t.items() if k != "distribution"} for t in themes],
            }
        )
    return {"scope": _scope_document(scope), "min_group_size": min_group_size(), "months": months}


def lowest_items(session: Session, scope: Scope, limit: int = LOWEST_ITEMS) -> Dict[str, Any]:
    """The statements with the lowest means, each scored by at least the minimum group size."""
    names = labels()
    rows = queries.item_stats(session, scope)
    shown = [r for r in rows if may_show(r.respondents)]
    return {
        "scope": _scope_document(scope),
        "min_group_size": min_group_size(),
        "items": [
            {
                "item": r.item,
                "theme": r.theme,
                "theme_name": names.theme(r.theme),
                "text": names.item(r.item),
                "mean": round(r.mean, 2),
                "respondents": r.respondents,
            }
            for r in shown[: max(1, limit)]
        ],
        "items_suppressed": len(rows) - len(shown),
        "note": suppression_note() if len(rows) > len(shown) else None,
    }


def open_answers(
    session: Session, scope: Scope, theme: Optional[str] = None, search: Optional[str] = None
) -> Dict[str, Any]:
    """What coordinators wrote in the open questions, by theme, without who wrote it.

    A theme's answers are shown only when at least the minimum group size of people wrote
    them, within this selection: so neither a small scope nor a search that matches one
    person's words can tie a text to a few people.
    """
    names = labels()
    instrument = names.instrument
    if theme is not None and theme not in instrument.theme_ids:
        raise ValueError(f"theme must be one of {', '.join(instrument.theme_ids)}")
    document: Dict[str, Any] = {
        "scope": _scope_document(scope),
        "min_group_size": min_group_size(),
        "theme": theme,
        "search": search,
    }
    found = queries.open_answers(session, scope, theme, search)
    authors: Dict[str, set] = {}
    by_theme: Dict[str, List[str]] = {}
    for answer in found:
        by_theme.setdefault(answer.theme, []).append(answer.text)
        authors.setdefault(answer.theme, set()).add(answer.respondent)
    shown = [t for t in instrument.theme_ids if t in by_theme and may_show(len(authors[t]))]
    hidden = [t for t in instrument.theme_ids if t in by_theme and t not in shown]
    document.update(
        suppressed=bool(hidden) and not shown,
        note=suppression_note() if hidden else None,
        themes=[{"theme": t, "name": names.theme(t), "answers": by_theme[t]} for t in shown],
        themes_suppressed=[{"theme": t, "name": names.theme(t)} for t in hidden],
    )
    return document


def _scope_document(scope: Scope) -> Dict[str, Any]:
    return {
        "institution": scope.institution,
        "from": scope.since.isoformat() if scope.since else None,
        "to": scope.until.isoformat() if scope.until else None,
    }
