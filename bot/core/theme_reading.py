"""What a message's theme reading means for the reply: one theme, two, or a question back.

The NLU ranks the themes of a long message (bot/nlp/paragraph_component.py). When its
first theme is clear and a second one carries real weight, the person talked about both,
and the reply says so. When no theme is clear, the two likeliest are offered as a choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple

from bot.core.instrument import load_instrument

# A second theme this likely was mentioned, not merely suggested by a word or two. On the
# paragraph set (tests/nlu_paragraphs/), a second theme at 0.15 or above finds 75% of the
# messages labelled with two themes, and is offered on 17% of those labelled with one;
# at 0.20 it finds 68%. Offering a second theme's questions costs a button; missing one
# leaves half of what the person said unanswered.
SECOND_THEME_MIN = 0.15


@dataclass(frozen=True)
class ThemeReading:
    """The theme a message is mostly about, and another it also raised, if any."""

    primary: str
    secondary: Optional[str] = None


def _themes(ranking: Sequence[Mapping[str, Any]]) -> Tuple[Tuple[str, float], ...]:
    instrument = load_instrument()
    found = ((instrument.theme_of_intent(r.get("name")), float(r.get("confidence") or 0.0)) for r in ranking)
    return tuple((theme, score) for theme, score in found if theme is not None)


def read_themes(primary_theme: str, ranking: Sequence[Mapping[str, Any]]) -> ThemeReading:
    """The reading of a message about `primary_theme`, with its intent ranking's second
    theme when that one is likely enough to have been meant."""
    others = [(theme, score) for theme, score in _themes(ranking) if theme != primary_theme]
    if others and others[0][1] >= SECOND_THEME_MIN:
        return ThemeReading(primary_theme, others[0][0])
    return ThemeReading(primary_theme)


def likeliest_two(ranking: Sequence[Mapping[str, Any]]) -> Optional[Tuple[str, str]]:
    """The two likeliest themes when the ranking starts with two themes (after any
    fallback), else None: then there is nothing to choose between."""
    themes = [str(r.get("name")) for r in ranking if r.get("name") != "nlu_fallback"][:2]
    found = _themes([{"name": name} for name in themes])
    return (found[0][0], found[1][0]) if len(found) == 2 else None
