"""The dashboard's aggregate queries over answers and assessments, run in SQL.

They return raw numbers with the size of every group; `bot.service.reports` decides
what may be shown. A group is a value of one profile column (faculty, zone, role,
institution) or a calendar month, or everyone in scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from sqlalchemy import and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.core.instrument import load_instrument
from bot.storage.models import Answer, Assessment
from bot.storage.sign_ins import counted

DIMENSIONS = ("faculty", "zone", "role", "institution")
SCALE_VALUES = (1, 2, 3, 4, 5)
EVERYONE = "all"


@dataclass(frozen=True)
class Scope:
    """Which assessments a table covers: one institution, or all of them. Tables have no
    date window (bot/service/reports.py says why)."""

    institution: Optional[str] = None

    def condition(self) -> ColumnElement:
        """The WHERE clause on assessments for this scope: the ones its institution's
        numbers may count (bot/storage/sign_ins.py), in the institution if one is named."""
        if self.institution is None:
            return counted()
        return and_(Assessment.institution == self.institution, counted())


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
    """One open answer, with who wrote it and their institution (for counting authors and
    applying the institutions' suppression, never shown)."""

    theme: str
    text: str
    respondent: str
    institution: Optional[str]
    token: str = ""  # the answer itself (assessment and statement), for telling changes apart


def open_answers(
    session: Session,
    scope: Scope,
    theme: Optional[str] = None,
    search: Optional[str] = None,
    limit: Optional[int] = 500,
) -> List[OpenAnswer]:
    """Open answers in scope, by theme then text, so their order says nothing about who
    wrote them or when."""
    query = (
        select(Answer.theme, Answer.text, Assessment.respondent_id, Assessment.institution, Assessment.id, Answer.item)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(
            scope.condition(),
            Answer.item.in_(load_instrument().open_item_ids),
            Answer.text.isnot(None),
            Answer.text != "",
        )
        .order_by(Answer.theme, Answer.text)
    )
    if limit is not None:
        query = query.limit(limit)
    if theme:
        query = query.where(Answer.theme == theme)
    if search:
        query = query.where(func.lower(Answer.text).like(_like_pattern(search), escape="\\"))
    return [
        OpenAnswer(t, text, who, where, f"{assessment}:{item}")
        for t, text, who, where, assessment, item in session.execute(query)
    ]


def institutions(session: Session) -> List[str]:
    """Every institution named in an assessment, alphabetically."""
    query = select(distinct(Assessment.institution)).where(Assessment.institution.isnot(None))
    return sorted(name for (name,) in session.execute(query))


def people_members(session: Session, scope: Scope, group_by: Optional[str] = None) -> Dict[Optional[str], Set[str]]:
    """Who is behind each group's counts: one token per assessment and its status, so a
    new, finished or removed assessment changes the group's set."""
    group = _group_column(session, group_by)
    query = select(group.label("grp"), Assessment.id, Assessment.status).where(scope.condition())
    members: Dict[Optional[str], Set[str]] = {}
    for grp, assessment, status in session.execute(query):
        members.setdefault(grp, set()).add(f"{assessment}:{status}")
    return members


def theme_members(
    session: Session, scope: Scope, group_by: Optional[str] = None
) -> Dict[Tuple[Optional[str], str], Set[str]]:
    """Who is behind each group's theme mean: the latest completed assessments with an
    answer on the theme's scale."""
    group = _group_column(session, group_by)
    query = (
        select(group.label("grp"), Answer.theme, Assessment.id)
        .distinct()
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(
            Assessment.id.in_(latest_completions(scope)),
            Answer.item.notin_(load_instrument().open_item_ids),
            Answer.value.isnot(None),
        )
    )
    members: Dict[Tuple[Optional[str], str], Set[str]] = {}
    for grp, theme, assessment in session.execute(query):
        members.setdefault((grp, theme), set()).add(str(assessment))
    return members


def item_members(session: Session, scope: Scope) -> Dict[str, Set[str]]:
    """Who is behind each statement's mean: the latest completed assessments that scored it."""
    query = (
        select(Answer.item, Assessment.id)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(Assessment.id.in_(latest_completions(scope)), Answer.value.isnot(None))
    )
    members: Dict[str, Set[str]] = {}
    for item, assessment in session.execute(query):
        members.setdefault(item, set()).add(str(assessment))
    return members


class LiveStats:
    """The aggregate queries over the answers as they stand: what a release is made from."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def group_counts(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Optional[str], GroupCounts]:
        """See `group_counts`."""
        return group_counts(self.session, scope, group_by)

    def theme_stats(self, scope: Scope, group_by: Optional[str] = None) -> Dict[Tuple[Optional[str], str], ThemeStats]:
        """See `theme_stats`."""
        return theme_stats(self.session, scope, group_by)

    def item_stats(self, scope: Scope) -> List[ItemStats]:
        """See `item_stats`."""
        return item_stats(self.session, scope)

    def open_answers(self, scope: Scope, theme: Optional[str] = None, search: Optional[str] = None) -> List[OpenAnswer]:
        """See `open_answers`."""
        return open_answers(self.session, scope, theme, search)
