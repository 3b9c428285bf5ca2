"""Published releases: the only figures the reports and the action plan's comparisons show.

A release is a snapshot of every aggregate table the reports are cut from (everyone and
each institution; by institution, faculty, zone, role and month; statements; open
answers), made on a schedule: the web app makes one as it starts when the newest is a day
old, then once a day, and `python -m bot publish` makes one on demand. Nothing is
computed from the answers live, so asking again, or asking a plan again, gives the same
figures until the next release.

Between two releases, a row (one group's figures) changes only when at least the minimum
group size of people changed in it: each row keeps digests of the assessments behind its
counts and behind each theme mean, and a row whose set moved by fewer people keeps the
figures it had. Within a family of rows that add up to a published total (the groups of
one breakdown, an institution's month across institutions, a statement across
institutions), the held-back changes must add up to the minimum too, or more rows are
held back: so subtracting two releases, or a total's change minus its rows' changes,
never isolates fewer people than the minimum. Suppression (bot/service/reports.py) is then
applied to the published figures as they are read.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.config.settings import min_group_size
from bot.core.instrument import load_instrument
from bot.core.privacy import suppressed_groups
from bot.storage import readiness_queries as queries
from bot.storage.db import off_loop, session_scope
from bot.storage.models import Release, as_utc, utcnow
from bot.storage.readiness_queries import GroupCounts, ItemStats, OpenAnswer, Scope, ThemeStats

logger = logging.getLogger(__name__)

RELEASE_EVERY = timedelta(days=1)
KEEP_RELEASES = 2  # the newest, and the one before it for comparing
PEOPLE = "people"
BREAKDOWNS = ("faculty", "zone", "role", "month")

# (institution, or None for everyone; "groups", "items" or "open"; the breakdown)
TableKey = Tuple[Optional[str], str, Optional[str]]
RowKey = Tuple[TableKey, str]


@dataclass(frozen=True)
class Row:
    """One group's published figures (None: not published yet, so shown as suppressed) and
    digests of the people behind them, per measure (PEOPLE, or a theme id)."""

    figures: Optional[Dict[str, Any]]
    members: Dict[str, FrozenSet[str]] = field(default_factory=dict)


Tables = Dict[TableKey, Dict[str, Row]]


def _digest(token: str) -> str:
    # Digests, not ids: a release needs to tell people apart, not to know who they are.
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _digests(tokens: Iterable[str]) -> FrozenSet[str]:
    return frozenset(_digest(t) for t in tokens)


def _group_key(group: Optional[str]) -> str:
    return json.dumps(group)


# ----- the tables as they stand -------------------------------------------------------
def _group_rows(session: Session, scope: Scope, group_by: Optional[str]) -> Dict[str, Row]:
    counts = queries.group_counts(session, scope, group_by)
    stats = queries.theme_stats(session, scope, group_by)
    people = queries.people_members(session, scope, group_by)
    themes = queries.theme_members(session, scope, group_by)
    theme_figures: Dict[Optional[str], Dict[str, Any]] = {}
    for (group, theme), s in stats.items():
        theme_figures.setdefault(group, {})[theme] = {
            "distribution": [s.distribution.get(v, 0) for v in (*queries.SCALE_VALUES, None)],
            "contributors": s.contributors,
        }
    members: Dict[Optional[str], Dict[str, FrozenSet[str]]] = {
        group: {PEOPLE: _digests(found)} for group, found in people.items()
    }
    for (group, theme), found in themes.items():
        members.setdefault(group, {PEOPLE: frozenset()})[theme] = _digests(found)
    rows = {}
    for group, c in counts.items():
        if group_by == "month" and group is None:
            continue  # not completed yet: in no month
        figures = {
            "counts": [c.respondents, c.started, c.completed, c.completed_respondents],
            "themes": theme_figures.get(group, {}),
        }
        rows[_group_key(group)] = Row(figures, members.get(group, {PEOPLE: frozenset()}))
    return rows


def _item_rows(session: Session, scope: Scope) -> Dict[str, Row]:
    members = queries.item_members(session, scope)
    return {
        r.item: Row(
            {"theme": r.theme, "mean": r.mean, "respondents": r.respondents},
            {PEOPLE: _digests(members.get(r.item, ()))},
        )
        for r in queries.item_stats(session, scope)
    }


def _open_rows(session: Session, institution: str) -> Dict[str, Row]:
    by_theme: Dict[str, List[OpenAnswer]] = {}
    for answer in queries.open_answers(session, Scope(institution=institution), limit=None):
        by_theme.setdefault(answer.theme, []).append(answer)
    return {
        theme: Row(
            {"answers": [[a.text, _digest(a.respondent)] for a in found]},
            {PEOPLE: _digests(a.token for a in found)},
        )
        for theme, found in by_theme.items()
    }


def live_tables(session: Session) -> Tables:
    """Every table the reports are cut from, from the answers as they stand."""
    institutions = [i for i in queries.group_counts(session, Scope(), "institution") if i is not None]
    tables: Tables = {}
    for group_by in (None, "institution", "month"):
        tables[(None, "groups", group_by)] = _group_rows(session, Scope(), group_by)
    tables[(None, "items", None)] = _item_rows(session, Scope())
    for institution in institutions:
        scope = Scope(institution=institution)
        for group_by in BREAKDOWNS:
            tables[(institution, "groups", group_by)] = _group_rows(session, scope, group_by)
        tables[(institution, "items", None)] = _item_rows(session, scope)
        tables[(institution, "open", None)] = _open_rows(session, institution)
    return tables


# ----- what the next release may change -----------------------------------------------
def _families(keys: Iterable[RowKey]) -> List[List[RowKey]]:
    """Rows whose changes add up to a published total's change: the groups of a breakdown;
    one month, or one statement, across the institutions."""
    families: Dict[Tuple[Any, ...], List[RowKey]] = {}
    for key in keys:
        (institution, kind, group_by), row = key
        if kind == "groups" and group_by is not None:
            families.setdefault(("breakdown", institution, group_by), []).append(key)
        if institution is not None and kind == "groups" and group_by == "month":
            families.setdefault(("month", row), []).append(key)
        if institution is not None and kind == "items":
            families.setdefault(("item", row), []).append(key)
    return list(families.values())


def held_back(changes: Dict[RowKey, Dict[str, int]]) -> Set[RowKey]:
    """The rows that keep their published figures: any measure moved by 1 to fewer than the
    minimum of people; then, in each family and for each measure, rows whose held-back
    changes would otherwise add up to fewer than the minimum (as `suppressed_groups`)."""
    smallest = min_group_size()
    held = {key for key, moved in changes.items() if any(0 < n < smallest for n in moved.values())}
    families = _families(changes)
    measures = {m for moved in changes.values() for m in moved}
    grown = True
    while grown:
        grown = False
        for family in families:
            for measure in measures:
                sizes = {key: changes[key].get(measure, 0) for key in family if changes[key].get(measure, 0) > 0}
                found = suppressed_groups(sizes, held.intersection(sizes))
                if not found <= held:
                    held |= found
                    grown = True
    return held


def next_release(live: Tables, previous: Tables) -> Tuple[Tables, Set[RowKey]]:
    """The tables to publish, given the answers as they stand and the last release, and
    the rows held back."""
    keys = {(t, r) for tables in (live, previous) for t, rows in tables.items() for r in rows}
    empty = Row(None, {})
    changes: Dict[RowKey, Dict[str, int]] = {}
    for table, row in keys:
        now = live.get(table, {}).get(row, empty).members
        before = previous.get(table, {}).get(row, empty).members
        changes[(table, row)] = {m: len(now.get(m, frozenset()) ^ before.get(m, frozenset())) for m in {*now, *before}}
    held = held_back(changes)
    published: Tables = {table: {} for table in {*live, *previous}}
    for table, row in keys:
        if (table, row) in held:
            # Never published before: listed, as suppressed, with nobody counted yet.
            published[table][row] = previous.get(table, {}).get(row, empty)
        elif row in live.get(table, {}):
            published[table][row] = live[table][row]
    return published, held


# ----- storing and reading --------------------------------------------------------------
def _encode(tables: Tables) -> str:
    return json.dumps(
        [
            [list(table), {r: [row.figures, {m: sorted(d) for m, d in row.members.items()}] for r, row in rows.items()}]
            for table, rows in tables.items()
        ]
    )


def _decode(text: str) -> Tables:
    tables: Tables = {}
    for table, rows in json.loads(text):
        tables[(table[0], table[1], table[2])] = {
            r: Row(figures, {m: frozenset(d) for m, d in members.items()}) for r, (figures, members) in rows.items()
        }
    return tables


@dataclass(frozen=True)
class PublishedStats:
    """A release read back, answering the reports' questions (`reports.StatsSource`)."""

    release_id: int
    published_at: datetime
    tables: Tables

    def _rows(self, scope: Scope, kind: str, group_by: Optional[str] = None) -> Dict[str, Row]:
        return self.tables.get((scope.institution, kind, group_by), {})

    def group_counts(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Optional[str], GroupCounts]:
        """People and assessments per group; a group not published yet counts nobody."""
        found = {}
        for key, row in self._rows(scope, "groups", group_by).items():
            numbers = row.figures["counts"] if row.figures else [0, 0, 0, 0]
            found[json.loads(key)] = GroupCounts(*numbers)
        return found

    def theme_stats(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Tuple[Optional[str], str], ThemeStats]:
        """Answer distributions and contributors per group and theme."""
        found = {}
        for key, row in self._rows(scope, "groups", group_by).items():
            for theme, stats in (row.figures or {}).get("themes", {}).items():
                distribution = dict(zip((*queries.SCALE_VALUES, None), stats["distribution"]))
                found[(json.loads(key), theme)] = ThemeStats(distribution, stats["contributors"])
        return found

    def item_stats(self, scope: Scope) -> List[ItemStats]:
        """Every statement, lowest mean first; one not published yet counts nobody."""
        theme_of = {i.id: i.theme_id for i in load_instrument().items}
        found = []
        for item, row in self._rows(scope, "items").items():
            if row.figures:
                found.append(ItemStats(item, row.figures["theme"], row.figures["mean"], row.figures["respondents"]))
            elif item in theme_of:
                found.append(ItemStats(item, theme_of[item], 0.0, 0))
        return sorted(found, key=lambda r: (r.mean, r.item))

    def open_answers(self, scope: Scope, theme: Optional[str] = None, search: Optional[str] = None) -> List[OpenAnswer]:
        """Open answers in scope (every institution's, for everyone), by theme then text."""
        wanted = (search or "").lower()
        found = []
        for (institution, kind, _), rows in self.tables.items():
            if kind != "open" or (scope.institution is not None and institution != scope.institution):
                continue
            for row_theme, row in rows.items():
                if theme is not None and row_theme != theme:
                    continue
                for text, author in (row.figures or {}).get("answers", []):
                    if wanted in text.lower():
                        found.append(OpenAnswer(row_theme, text, author, institution))
        return sorted(found, key=lambda a: (a.theme, a.text))


_read: Dict[int, PublishedStats] = {}


def latest(session: Session) -> Optional[PublishedStats]:
    """The newest release, or None before the first (each is parsed once per process)."""
    found = session.execute(select(Release.id, Release.published_at).order_by(Release.id.desc()).limit(1)).first()
    if found is None:
        return None
    release_id, published_at = found
    if release_id not in _read:
        text = session.execute(select(Release.tables).where(Release.id == release_id)).scalar_one()
        _read.clear()
        _read[release_id] = PublishedStats(release_id, as_utc(published_at), _decode(text))
    return _read[release_id]


@dataclass(frozen=True)
class Publication:
    """What a new release changed: rows published as they stand, and rows held back."""

    release_id: int
    rows: int
    held_back: int

    def describe(self) -> str:
        """One line for the command line and the log."""
        return f"release {self.release_id}: {self.rows} rows, {self.held_back} held back until more people change"


def publish(now: Optional[datetime] = None) -> Publication:
    """Make a new release from the answers as they stand and the last release."""
    with session_scope() as session:
        last = latest(session)
        published, held = next_release(live_tables(session), last.tables if last else {})
        release = Release(published_at=now or utcnow(), tables=_encode(published))
        session.add(release)
        session.flush()
        keep = select(Release.id).order_by(Release.id.desc()).limit(KEEP_RELEASES).scalar_subquery()
        session.execute(delete(Release).where(Release.id.notin_(keep)).execution_options(synchronize_session=False))
        rows = sum(len(r) for r in published.values())
        return Publication(release.id, rows, len(held))


def publish_if_due(now: Optional[datetime] = None) -> Optional[Publication]:
    """Publish when there is no release yet or the newest is RELEASE_EVERY old."""
    when = now or utcnow()
    with session_scope() as session:
        newest = session.execute(select(Release.published_at).order_by(Release.id.desc()).limit(1)).scalar()
    if newest is not None and as_utc(newest) > as_utc(when) - RELEASE_EVERY:
        return None
    return publish(when)


async def publish_daily(every: timedelta = RELEASE_EVERY) -> None:
    """Publish once a day for as long as the web app runs; a failed run is logged and tried
    again the next day."""
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            publication = await off_loop(publish)
            logger.info("Published %s", publication.describe())
        except Exception:
            logger.exception("The daily release failed; it runs again tomorrow")
