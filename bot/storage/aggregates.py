"""A group's theme means for the action plan's comparisons, from the dashboard's queries,
so the plan and the dashboard give one group the same numbers.

These functions return raw numbers; callers apply `bot.core.privacy.may_show` before showing
any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping

from sqlalchemy.orm import Session

from bot.storage.readiness_queries import EVERYONE, Scope, group_counts, theme_stats

GROUP_COLUMNS = ("institution", "faculty")


@dataclass(frozen=True)
class GroupMeans:
    """Theme means of a group's completed assessments, and how many people completed one."""

    respondents: int
    theme_means: Dict[str, float]


def group_theme_means(session: Session, group: Mapping[str, str]) -> GroupMeans:
    """Theme means over the completed assessments whose profile matches `group`,
    e.g. {"institution": "Universiti Putra Malaysia", "faculty": "Faculty of Education"}.
    A theme's mean is the mean of all answers to its statements, as on the dashboard.
    """
    unknown = set(group) - set(GROUP_COLUMNS)
    if unknown or not group:
        raise ValueError(f"unknown group columns {sorted(unknown)}")
    scope = Scope(institution=group.get("institution"), faculty=group.get("faculty"))
    counts = group_counts(session, scope).get(EVERYONE)
    means = {theme: stats.mean for (_, theme), stats in theme_stats(session, scope).items() if stats.mean is not None}
    return GroupMeans(counts.completed_respondents if counts else 0, means)
