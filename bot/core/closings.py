"""Goodbyes and thanks that the classifier splits between the two.

"ok that's all from me, thank you" is both a farewell and thanks; the classifier may give
each about half, below the fallback threshold, and the user would hear "I didn't quite
understand" as Sedia's last word. The two intents close a conversation alike, so when
together they are as likely as one intent must be, the likelier one is the answer.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

CLOSING_INTENTS = ("goodbye", "thanks")
# The FallbackClassifier's threshold in config.yml (a unit test keeps them equal).
CLOSING_MIN = 0.75


def closing_intent(ranking: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The closing intent to answer when the two likeliest intents are goodbye and thanks
    and together reach the threshold; None otherwise."""
    top = [r for r in ranking if r.get("name") != "nlu_fallback"][:2]
    if {str(r.get("name")) for r in top} != set(CLOSING_INTENTS):
        return None
    if sum(float(r.get("confidence") or 0.0) for r in top) < CLOSING_MIN:
        return None
    return str(top[0]["name"])
