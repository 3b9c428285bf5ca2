"""The reports: aggregate numbers with the disclosure rules applied.

Each function returns a JSON-ready dict that the API sends as it is, the HTML views
render and the exports flatten, so all three show the same numbers. The action plan's
comparisons read the same rows. A group smaller than the minimum group size, or one whose
numbers a total minus the shown groups would reveal, appears only as
{"suppressed": true, "note": "fewer than 5 respondents"}.

Every view is a cut of one set of tables, and a cell that one table hides is hidden in
every view (the README's privacy section explains the method):
- the table of all institutions decides what an institution's own total shows;
- faculties, zones and roles are broken down within one institution only;
- months (the trend) and statements (the lowest items) are two-way tables with the
  institutions, suppressed along both lines;
- reports take no date window: two windows subtracted would show the people between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Protocol, Set, Tuple

from bot.config.settings import min_group_size
from bot.core.instrument import Instrument, load_instrument
from bot.core.plan import COMPARED_GROUPS, Comparison
from bot.core.privacy import may_show, suppressed_cells, suppressed_groups, suppression_note
from bot.core.profile import label_of
from bot.core.scoring import to_index
from bot.storage import readiness_queries as queries
from bot.storage.readiness_queries import DIMENSIONS, EVERYONE, Scope, ThemeStats


class StatsSource(Protocol):
    """Where reports get their raw numbers: a published release, or (for making one) the
    answers as they stand (`readiness_queries.LiveStats`)."""

    def group_counts(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Optional[str], queries.GroupCounts]:
        """People and assessments per group."""

    def theme_stats(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Tuple[Optional[str], str], ThemeStats]:
        """Answer distributions and contributors per group and theme."""

    def item_stats(self, scope: Scope) -> List[queries.ItemStats]:
        """Every scored statement, lowest mean first."""

    def open_answers(
        self, scope: Scope, theme: Optional[str] = None, search: Optional[str] = None
    ) -> List[queries.OpenAnswer]:
        """Open answers in scope."""


NOT_GIVEN = "(not given)"
# How an answer distribution is keyed in reports: the scale values, then "not sure" (None).
ANSWER_VALUES = (*queries.SCALE_VALUES, None)
DISTRIBUTION_KEYS = (*(str(v) for v in queries.SCALE_VALUES), "not_sure")
LOWEST_ITEMS = 10
NO_DATE_WINDOWS = (
    "Reports cover every answer to date and take no date window: two windows subtracted "
    "would show the few people between them. The trend shows each month."
)
WITHIN_ONE_INSTITUTION = "Within one institution, reports are grouped by faculty, zone or role."
ACROSS_INSTITUTIONS = (
    "Across all institutions, reports are grouped by institution only: faculties, zones and "
    "roles are compared within one institution, so that no group is counted in two tables "
    "that could be subtracted."
)


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


def dimensions_for(institution: Optional[str]) -> Tuple[str, ...]:
    """The breakdowns a scope offers: institutions across all of them; faculties, zones
    and roles within one."""
    return ("institution",) if institution is None else tuple(d for d in DIMENSIONS if d != "institution")


def _checked(scope: Scope, group_by: Optional[str] = None) -> None:
    """Refuse what the tables do not offer: a breakdown that is not a dimension, and a
    breakdown by faculty, zone or role across institutions."""
    if group_by is not None and group_by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {', '.join(DIMENSIONS)}")
    if group_by is not None and group_by not in dimensions_for(scope.institution):
        raise ValueError(ACROSS_INSTITUTIONS if scope.institution is None else WITHIN_ONE_INSTITUTION)


def _hidden_themes(block: Optional[Dict[str, Any]]) -> FrozenSet[str]:
    """The themes a shown group block hides (a suppressed block is hidden whole)."""
    if not block or block["suppressed"]:
        return frozenset()
    return frozenset(t["theme"] for t in block["themes"] if t["suppressed"])


def _institution_rows(source: StatsSource, names: Labels) -> Dict[Optional[str], Dict[str, Any]]:
    """Every institution's block in the table of all institutions, keyed by institution:
    the only figures any view shows for an institution as a whole."""
    everyone = source.group_counts(Scope()).get(EVERYONE)
    if everyone is None or not may_show(everyone.respondents):
        return {}
    return _breakdown_blocks(source, Scope(), "institution", names)


def _scope_total(source: StatsSource, scope: Scope, names: Labels) -> Optional[Dict[str, Any]]:
    """The block for everyone in scope, or None when it must not be shown. An institution's
    total is its own row in the table of all institutions, with that table's suppression,
    so asking for the institution alone and subtracting it from everyone shows nothing new."""
    if scope.institution is not None:
        row = _institution_rows(source, names).get(scope.institution)
        return None if row is None or row["suppressed"] else {**row, "group": "everyone"}
    counts = source.group_counts(scope).get(EVERYONE)
    if counts is None or not may_show(counts.respondents):
        return None
    # Theme numbers rest on completed assessments: everyone who finished was asked every
    # statement ("not sure" is an answer), so the group behind them is the completed respondents.
    stats = source.theme_stats(scope)
    themes = [_theme_block(t, stats.get((EVERYONE, t)), False, names) for t in names.instrument.theme_ids]
    return _group_block("everyone", counts, themes, names.instrument)


def overview(source: StatsSource, scope: Scope, group_by: Optional[str] = None) -> Dict[str, Any]:
    """Respondents, assessments, completion, readiness index and theme means and
    distributions for everyone in scope, and per group when `group_by` is a dimension."""
    _checked(scope, group_by)
    names = labels()
    report: Dict[str, Any] = {
        "scope": _scope_document(scope),
        "min_group_size": min_group_size(),
        "group_by": group_by,
    }
    total = _scope_total(source, scope, names)
    if total is None:
        report["total"] = _suppressed("everyone")
        report["groups"] = []
        return report
    report["total"] = total
    if group_by is not None:
        report["groups"] = list(_breakdown_blocks(source, scope, group_by, names, _hidden_themes(total)).values())
    return report


def _breakdown_blocks(
    source: StatsSource, scope: Scope, group_by: str, names: Labels, hidden_themes: Iterable[str] = ()
) -> Dict[Optional[str], Dict[str, Any]]:
    """One block per group of `group_by`, in display order and keyed by the group's value:
    suppressed ones (and those a total minus the others would reveal) without numbers.
    A theme the total hides (`hidden_themes`) is hidden in every group, or the groups
    would add up to it."""
    instrument = names.instrument
    counts = source.group_counts(scope, group_by)
    stats = source.theme_stats(scope, group_by)
    hidden_groups = suppressed_groups({g: c.respondents for g, c in counts.items()})
    hidden_in_total = set(hidden_themes)
    # Each theme's means rest on the people who answered its scale, so each theme has its
    # own suppression, with the subtraction case, over those people.
    hidden_means = {
        t: set(counts)
        if t in hidden_in_total
        else suppressed_groups({g: _contributors(stats, g, t) for g in counts}, hidden_groups)
        for t in instrument.theme_ids
    }
    blocks: Dict[Optional[str], Dict[str, Any]] = {}
    for group in sorted(counts, key=lambda g: (g is None, names.group(group_by, g).lower())):
        label = names.group(group_by, group)
        if group in hidden_groups:
            blocks[group] = _suppressed(label)
            continue
        themes = [_theme_block(t, stats.get((group, t)), group in hidden_means[t], names) for t in instrument.theme_ids]
        blocks[group] = _group_block(label, counts[group], themes, instrument)
    return blocks


def heatmap(source: StatsSource, scope: Scope, by: str) -> Dict[str, Any]:
    """Theme means by group (faculty, zone, role or institution): rows are groups, columns themes."""
    _checked(scope, by)
    names = labels()
    total = _scope_total(source, scope, names)
    # With everyone in scope hidden, every row would be a small group: show none.
    groups = list(_breakdown_blocks(source, scope, by, names, _hidden_themes(total)).values()) if total else []
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


# A row of the two-way tables: everyone, or one institution (None: not given).
Row = Tuple[str, Optional[str]]
EVERYONE_ROW: Row = ("all", None)
UNNAMED: Row = ("institution", None)


def _row_of(scope: Scope) -> Row:
    return EVERYONE_ROW if scope.institution is None else ("institution", scope.institution)


@dataclass(frozen=True)
class MonthTable:
    """Completions by institution and month, with everyone's months as the column totals,
    and which cells (counts, and each theme's mean) may not be shown."""

    counts: Dict[Tuple[Row, str], queries.GroupCounts]
    stats: Dict[Tuple[Row, str, str], ThemeStats]
    hidden: Set[Tuple[Row, str]]
    hidden_themes: Dict[str, Set[Tuple[Row, str]]]


def _two_way_hidden(
    everyone: Dict[str, int], cells: Dict[Tuple[Row, str], int], hidden_rows: Set[Row], pre_hidden: Set[Tuple[Row, str]]
) -> Set[Tuple[Row, str]]:
    """Hidden cells of institution-by-column tables whose columns add up to everyone's
    line: everyone's line first (its own total is shown), then a column whose total is
    hidden is hidden whole, then both lines of the institutions' cells."""
    hidden_everyone = suppressed_groups(everyone, {c for (r, c) in pre_hidden if r == EVERYONE_ROW})
    forced = set(pre_hidden) | {(r, c) for (r, c) in cells if r in hidden_rows or c in hidden_everyone}
    return suppressed_cells(cells, forced) | {(EVERYONE_ROW, c) for c in hidden_everyone}


def _with_unnamed(everyone: Dict[str, int], cells: Dict[Tuple[Row, str], int]) -> Dict[Tuple[Row, str], int]:
    """The cells plus those of the people who named no institution: everyone's line minus
    the institutions'. They have no view of their own, so their cells stay hidden, but
    they are part of what a column total leaves once the shown cells are subtracted."""
    found = dict(cells)
    for column, total in everyone.items():
        rest = total - sum(n for (r, c), n in cells.items() if c == column)
        if rest > 0:
            found[(UNNAMED, column)] = rest
    return found


def month_table(source: StatsSource, names: Labels) -> MonthTable:
    """The trend's table of every institution and everyone, by month of completion."""
    institutions = _institution_rows(source, names)
    named = [i for i in institutions if i is not None]
    scopes: Dict[Row, Scope] = {EVERYONE_ROW: Scope()}
    scopes.update({("institution", i): Scope(institution=i) for i in named})
    counts: Dict[Tuple[Row, str], queries.GroupCounts] = {}
    stats: Dict[Tuple[Row, str, str], ThemeStats] = {}
    for row, scope in scopes.items():
        counts.update({(row, m): c for m, c in source.group_counts(scope, "month").items() if m})
        stats.update({(row, m, t): s for (m, t), s in source.theme_stats(scope, "month").items() if m})
    shut = {UNNAMED} | {("institution", i) for i, block in institutions.items() if block["suppressed"]}
    everyone = {m: c.completed_respondents for (r, m), c in counts.items() if r == EVERYONE_ROW}
    people = {(r, m): c.completed_respondents for (r, m), c in counts.items() if r != EVERYONE_ROW}
    hidden = _two_way_hidden(everyone, _with_unnamed(everyone, people), shut, set())
    hidden_themes: Dict[str, Set[Tuple[Row, str]]] = {}
    for theme in names.instrument.theme_ids:
        shut_for_theme = shut | {
            ("institution", i) for i, block in institutions.items() if theme in _hidden_themes(block)
        }
        contributors = {(r, m): stats[(r, m, theme)].contributors if (r, m, theme) in stats else 0 for (r, m) in counts}
        everyone_t = {m: n for (r, m), n in contributors.items() if r == EVERYONE_ROW}
        cells_t = {key: n for key, n in contributors.items() if key[0] != EVERYONE_ROW}
        hidden_themes[theme] = _two_way_hidden(everyone_t, _with_unnamed(everyone_t, cells_t), shut_for_theme, hidden)
    return MonthTable(counts, stats, hidden, hidden_themes)


def trend(source: StatsSource, scope: Scope) -> Dict[str, Any]:
    """Per month of completion: completed assessments, respondents, readiness index and theme means."""
    _checked(scope)
    names = labels()
    instrument = names.instrument
    table = month_table(source, names)
    row = _row_of(scope)
    months = []
    for month in sorted(m for (r, m) in table.counts if r == row):
        if (row, month) in table.hidden:
            months.append(_suppressed(month, month=month))
            continue
        counts = table.counts[(row, month)]
        themes = [
            _theme_block(t, table.stats.get((row, month, t)), (row, month) in table.hidden_themes[t], names)
            for t in instrument.theme_ids
        ]
        overall = _overall(themes)
        months.append(
            {
                "month": month,
                "group": month,
                "suppressed": False,
                "assessments_completed": counts.completed,
                "respondents": counts.completed_respondents,
                "readiness_index": to_index(overall, instrument) if overall is not None else None,
                "themes": [{k: v for k, v in t.items() if k != "distribution"} for t in themes],
            }
        )
    return {"scope": _scope_document(scope), "min_group_size": min_group_size(), "months": months}


def _shown_items(source: StatsSource, scope: Scope, names: Labels) -> Tuple[List[queries.ItemStats], int]:
    """The statements that may be shown for a scope, lowest mean first, and how many are
    hidden. Statements by institution are a two-way table whose columns add up to
    everyone's: a statement hidden for one institution is hidden for another as well while
    everyone's mean minus the shown ones would give it away; and an institution's statements
    of a theme it hides stay hidden, or they would add up to the theme's mean."""
    everyone = source.item_stats(Scope())
    if scope.institution is None:
        shown = [r for r in everyone if may_show(r.respondents)]
        return shown, len(everyone) - len(shown)
    institutions = _institution_rows(source, names)
    table = {
        (("institution", i), r.item): r
        for i in institutions
        if i is not None
        for r in source.item_stats(Scope(institution=i))
    }
    sizes = _with_unnamed({r.item: r.respondents for r in everyone}, {key: r.respondents for key, r in table.items()})
    small = {r.item for r in everyone if not may_show(r.respondents)}
    theme_of = {r.item: r.theme for r in everyone}
    forced = {
        (row, item)
        for (row, item) in sizes
        if row == UNNAMED
        or institutions[row[1]]["suppressed"]
        or theme_of.get(item) in _hidden_themes(institutions[row[1]])
        or item in small
    }
    hidden = suppressed_cells(sizes, forced, rows=False)
    mine = [r for (row, _), r in table.items() if row == ("institution", scope.institution)]
    shown = sorted(
        (r for r in mine if (("institution", scope.institution), r.item) not in hidden), key=lambda r: (r.mean, r.item)
    )
    return shown, len(mine) - len(shown)


def lowest_items(source: StatsSource, scope: Scope, limit: int = LOWEST_ITEMS) -> Dict[str, Any]:
    """The statements with the lowest means, each scored by at least the minimum group size."""
    _checked(scope)
    names = labels()
    shown, hidden = _shown_items(source, scope, names)
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
        "items_suppressed": hidden,
        "note": suppression_note() if hidden else None,
    }


def open_answers(
    source: StatsSource, scope: Scope, theme: Optional[str] = None, search: Optional[str] = None
) -> Dict[str, Any]:
    """What coordinators wrote in the open questions, by theme, without who wrote it.

    A theme's answers are shown only when at least the minimum group size of people wrote
    them, within this selection: so neither a small scope nor a search that matches one
    person's words can tie a text to a few people. An institution the table of all
    institutions hides contributes no answers to any selection.
    """
    _checked(scope)
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
    institutions = _institution_rows(source, names)
    found = [
        answer
        for answer in source.open_answers(scope, theme, search)
        if answer.institution in institutions and not institutions[answer.institution]["suppressed"]
    ]
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


def plan_comparisons(source: StatsSource, institution: Optional[str], faculty: Optional[str]) -> List[Comparison]:
    """The groups a person's action plan compares them with, faculty then institution, with
    the figures the dashboard shows for them: the institution's row in the table of all
    institutions and the faculty's row within the institution, hidden where they are hidden."""
    names = labels()
    institutions = _institution_rows(source, names) if institution else {}
    mine = institutions.get(institution)
    rows: Dict[str, Tuple[Optional[str], Optional[Dict[str, Any]]]] = {"institution": (institution, mine)}
    if faculty:
        shown = mine is not None and not mine["suppressed"]
        faculties = (
            _breakdown_blocks(source, Scope(institution=institution), "faculty", names, _hidden_themes(mine))
            if shown
            else {}
        )
        rows["faculty"] = (faculty, faculties.get(faculty))
    found = []
    for group in COMPARED_GROUPS:
        if group not in rows or not rows[group][0]:
            continue
        name, block = rows[group]
        if block is None or block["suppressed"]:
            found.append(Comparison(group, str(name), 0, None))
            continue
        means = {t["theme"]: t["mean"] for t in block["themes"] if not t["suppressed"]}
        found.append(Comparison(group, str(name), block["respondents"], means))
    return found


def _scope_document(scope: Scope) -> Dict[str, Any]:
    return {"institution": scope.institution}
