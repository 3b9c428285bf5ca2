"""The dashboard's aggregate queries over answers and assessments, run in SQL.

They return raw numbers with the size of every group; `bot.dashboard.reports` decides
what may be shown. A group is a value of one profile column (faculty, zone, role,
institution) or a calendar month, or everyone in scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from sqlalchemy import and_, case, distinct, func, literal, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.instrument import load_instrument
from bot.storage.models import Answer, Assessment

DIMENSIONS = ("faculty", "zone", "role", "institution")
SCALE_VALUES = (1, 2, 3, 4, 5)
EVERYONE = "all"


@dataclass(frozen=True)
class Scope:
    """Which assessments a report covers: one institution or all (and, for the action
    plan's comparisons, one faculty), and a range of start dates."""

    institution: Optional[str] = None
    since: Optional[date] = None
    until: Optional[date] = None
    faculty: Optional[str] = None

    def condition(self) -> ColumnElement:
        """The WHERE clause on assessments for this scope."""
        clauses = []
        if self.institution is not None:
            clauses.append(Assessment.institution == self.institution)
        if self.faculty is not None:
            clauses.append(Assessment.faculty == self.faculty)
        if self.since is not None:
            clauses.append(Assessment.started_at >= datetime.combine(self.since, time(), timezone.utc))
        if self.until is not None:
            end = datetime.combine(self.until + timedelta(days=1), time(), timezone.utc)
            clauses.append(Assessment.started_at < end)
        return and_(true(), *clauses)


def latest_completions(scope: Scope):
    """The ids of each respondent's latest completed assessment in scope: someone who
    completed twice counts once, with their latest answers, in every mean."""
    ranked = (
        select(
            Assessment.id.label("id"),
            func.row_number()
            .over(
                partition_by=Assessment.respondent_id,
                order_by=(Assessment.completed_at.desc(), Assessment.id.desc()),
            )
            .label("n"),
        )
        .where(scope.condition(), Assessment.status == "completed")
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.n == 1)


def month_of(session: Session, column) -> ColumnElement:
    """'YYYY-MM' of a timestamp column, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _group_column(session: Session, group_by: Optional[str]) -> ColumnElement:
    if group_by is None:
        return literal(EVERYONE)
    if group_by in DIMENSIONS:
        return getattr(Assessment, group_by)
    if group_by == "month":
        return month_of(session, Assessment.completed_at)
    raise ValueError(f"cannot group by {group_by!r}")


def _grouping(group_by: Optional[str], group: ColumnElement) -> Tuple[ColumnElement, ...]:
    # PostgreSQL refuses a constant in GROUP BY: everyone-in-scope is not grouped at all.
    return () if group_by is None else (group,)


@dataclass(frozen=True)
class GroupCounts:
    """People and assessments in one group."""

    respondents: int
    started: int
    completed: int
    completed_respondents: int


def group_counts(session: Session, scope: Scope, group_by: Optional[str] = None) -> Dict[Optional[str], GroupCounts]:
    """Respondents, assessments started and completed, per group.

    By "month", a group is the month of completion; assessments not yet completed are in
    the group None.
    """
    completed = Assessment.status == "completed"
    group = _group_column(session, group_by)
    query = (
        select(
            group.label("grp"),
            func.count(distinct(Assessment.respondent_id)),
            func.count(),
            func.sum(case((completed, 1), else_=0)),
            func.count(distinct(case((completed, Assessment.respondent_id)))),
        )
        .where(scope.condition())
        .group_by(*_grouping(group_by, group))
    )
    return {
        grp: GroupCounts(int(people), int(started), int(done or 0), int(done_people))
        for grp, people, started, done, done_people in session.execute(query)
    }


@dataclass(frozen=True)
class ThemeStats:
    """One theme in one group, over the scale answers of completed assessments.

    `distribution` counts answers per scale value, with None for "not sure"; `mean` is
    the mean of the answers on the scale (so the distribution reproduces it exactly).
    `contributors` are the respondents with at least one answer on the scale: the people
    behind the mean, whom the minimum group size counts.
    """

    distribution: Dict[Optional[int], int]
    contributors: int = 0

    @property
    def answered(self) -> int:
        """Answers on the scale (not "not sure")."""
        return sum(n for v, n in self.distribution.items() if v is not None)

    @property
    def mean(self) -> Optional[float]:
        """The mean answer on the scale, or None when nobody placed themselves on it."""
        answered = self.answered
        if not answered:
            return None
        return sum(v * n for v, n in self.distribution.items() if v is not None) / answered


def theme_stats(
    session: Session, scope: Scope, group_by: Optional[str] = None
) -> Dict[Tuple[Optional[str], str], ThemeStats]:
    """Answer counts per (group, theme, value) over each respondent's latest completed
    assessment, and the respondents behind each (group, theme): two GROUP BYs, served by
    the index on answers (assessment_id, theme, item, value)."""
    group = _group_column(session, group_by)
    counted = (
        Assessment.id.in_(latest_completions(scope)),
        Answer.item.notin_(load_instrument().open_item_ids),
    )
    query = (
        select(group.label("grp"), Answer.theme, Answer.value, func.count())
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(*counted)
        .group_by(*_grouping(group_by, group), Answer.theme, Answer.value)
    )
    distributions: Dict[Tuple[Optional[str], str], Dict[Optional[int], int]] = {}
    for grp, theme, value, count in session.execute(query):
        distributions.setdefault((grp, theme), {v: 0 for v in (*SCALE_VALUES, None)})[value] = int(count)
    people = (
        select(group.label("grp"), Answer.theme, func.count(distinct(Assessment.respondent_id)))
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(*counted, Answer.value.isnot(None))
        .group_by(*_grouping(group_by, group), Answer.theme)
    )
    contributors = {(grp, theme): int(n) for grp, theme, n in session.execute(people)}
    return {key: ThemeStats(d, contributors.get(key, 0)) for key, d in distributions.items()}


@dataclass(frozen=True)
class ItemStats:
    """One statement over completed assessments: its mean and how many people scored it."""

    item: str
    theme: str
    mean: float
    respondents: int


def item_stats(session: Session, scope: Scope) -> List[ItemStats]:
    """Every scored statement, lowest mean first."""
    mean = func.avg(Answer.value)
    query = (
        select(Answer.item, Answer.theme, mean, func.count(distinct(Assessment.respondent_id)))
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(Assessment.id.in_(latest_completions(scope)), Answer.value.isnot(None))
        .group_by(Answer.item, Answer.theme)
        .order_by(mean, Answer.item)
    )
    return [ItemStats(item, theme, float(m), int(n)) for item, theme, m, n in session.execute(query)]


def _like_pattern(search: str) -> str:
    escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class OpenAnswer:
    """One open answer, with who wrote it (for counting authors, never shown)."""

    theme: str
    text: str
    respondent: str


def open_answers(
    session: Session,
    scope: Scope,
    theme: Optional[str] = None,
    search: Optional[str] = None,
    limit: int = 500,
) -> List[OpenAnswer]:
    """Open answers in scope, by theme then text, so their order says nothing about who
    wrote them or when."""
    query = (
        select(Answer.theme, Answer.text, Assessment.respondent_id)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(
            scope.condition(),
            Answer.item.in_(load_instrument().open_item_ids),
            Answer.text.isnot(None),
            Answer.text != "",
        )
        .order_by(Answer.theme, Answer.text)
        .limit(limit)
    )
    if theme:
        query = query.where(Answer.theme == theme)
    if search:
        query = query.where(func.lower(Answer.text).like(_like_pattern(search), escape="\\"))
    return [OpenAnswer(t, text, who) for t, text, who in session.execute(query)]


def institutions(session: Session) -> List[str]:
    """Every institution named in an assessment, alphabetically."""
    query = select(distinct(Assessment.institution)).where(Assessment.institution.isnot(None))
    return sorted(name for (name,) in session.execute(query))
