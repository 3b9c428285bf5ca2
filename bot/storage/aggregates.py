"""Aggregate readiness numbers for groups of respondents, computed in SQL.

These functions return raw numbers; callers apply `bot.privacy.may_show` before showing
any of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bot.storage.models import Answer, Assessment
from bot.storage.repository import PROFILE_COLUMNS


@dataclass(frozen=True)
class GroupMeans:
    """Theme means of a group's completed assessments, and how many people it holds."""

    respondents: int
    theme_means: Dict[str, float]


def group_theme_means(session: Session, group: Mapping[str, str]) -> GroupMeans:
    """Mean theme score over the completed assessments whose profile matches `group`,
    e.g. {"institution": "Universiti Putra Malaysia", "faculty": "Faculty of Education"}.

    Each assessment counts once per theme (the mean of its answered items), so a person
    who answered more items does not weigh more.
    """
    unknown = set(group) - set(PROFILE_COLUMNS)
    if unknown or not group:
        raise ValueError(f"unknown group columns {sorted(unknown)}")
    in_group = Assessment.status == "completed"
    for column, value in group.items():
        in_group = in_group & (getattr(Assessment, column) == value)
    respondents = session.execute(
        select(func.count(distinct(Assessment.respondent_id))).where(in_group)
    ).scalar_one()
    per_assessment = (
        select(Answer.theme.label("theme"), func.avg(Answer.value).label("mean"))
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(in_group, Answer.value.isnot(None))
        .group_by(Answer.assessment_id, Answer.theme)
        .subquery()
    )
    rows = session.execute(
        select(per_assessment.c.theme, func.avg(per_assessment.c.mean)).group_by(per_assessment.c.theme)
    )
    return GroupMeans(int(respondents), {theme: float(mean) for theme, mean in rows})
