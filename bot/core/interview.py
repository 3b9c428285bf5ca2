"""Decide what the readiness interview does next, from what is already known.

The same rule serves a fresh start, a resume after a pause or a server restart, and a
single theme picked from free text: consent first, then the profile, then the first
theme with unanswered questions, then the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AbstractSet, Optional

from bot.core.instrument import Instrument

CONSENT = "consent"
PROFILE = "profile"
SUMMARY = "summary"


@dataclass(frozen=True)
class InterviewState:
    """What is known when the next step is chosen.

    consent: True (given), False (declined: run privately, store nothing) or None (not asked).
    answered: ids of items already dealt with, "not sure" and skipped included.
    focus_theme: a theme the user chose on its own, or None for the full interview.
    """

    consent: Optional[bool]
    profile_complete: bool
    answered: AbstractSet[str] = field(default_factory=frozenset)
    focus_theme: Optional[str] = None


def unanswered_items(theme_id: str, state: InterviewState, instrument: Instrument) -> list:
    """The theme's items that still need an answer, in asking order."""
    return [i for i in instrument.theme(theme_id).items if i.id not in state.answered]


def next_step(state: InterviewState, instrument: Instrument) -> str:
    """Return "consent", "profile", a theme id, or "summary"."""
    if state.consent is None:
        return CONSENT
    # The profile exists to group stored answers; without consent nothing is stored.
    if state.consent and not state.profile_complete:
        return PROFILE
    if state.focus_theme:
        if unanswered_items(state.focus_theme, state, instrument):
            return state.focus_theme
        return SUMMARY
    for theme in instrument.themes:
        if unanswered_items(theme.id, state, instrument):
            return theme.id
    return SUMMARY


def is_complete(answered: AbstractSet[str], instrument: Instrument) -> bool:
    """True when every item of every theme has been dealt with."""
    return all(item.id in answered for item in instrument.items)
