"""Erasure of a user's stored data on request (PDPA 2010)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.core.instrument import load_instrument
from bot.core.messages import counted_list
from bot.core.profile import PROFILE_FIELDS


def erase_and_report(turn: Turn, dispatcher: CollectingDispatcher) -> List[EventType]:
    """Erase everything stored about the user, say what went, and clear their slots."""
    counts = turn.assessment.erase()
    if counts["respondents"]:
        erased = {noun: counts[noun] for noun in ("answers", "assessments", "plans")}
        dispatcher.utter_message(response="utter_forgotten", deleted=counted_list(erased, turn.language))
    else:
        dispatcher.utter_message(response="utter_nothing_to_forget")
    cleared = ["consent", "focus_theme", *PROFILE_FIELDS]
    cleared += [item.id for item in load_instrument().items]
    return [SlotSet(slot, None) for slot in cleared]


class ActionForgetMe(Action):
    """Delete the respondent, profile, assessments and answers, and say what went."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return erase_and_report(Turn.of(tracker), dispatcher)
