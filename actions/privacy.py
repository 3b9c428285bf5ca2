"""Erasure of a user's stored data on request (PDPA 2010)."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.instrument import load_instrument
from bot.profile import PROFILE_FIELDS
from bot.storage import repository
from bot.storage.db import session_scope


class ActionForgetMe(Action):
    """Delete the respondent, profile, assessments and answers, and say what went."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        turn = Turn.of(tracker)
        with session_scope() as session:
            counts = repository.erase_respondent(session, turn.respondent)
        if counts["respondents"]:
            dispatcher.utter_message(
                response="utter_forgotten",
                answers=counts["answers"],
                assessments=counts["assessments"],
                plans=counts["plans"],
            )
        else:
            dispatcher.utter_message(response="utter_nothing_to_forget")
        cleared = ["consent", "focus_theme", *PROFILE_FIELDS]
        cleared += [item.id for item in load_instrument().items]
        return [SlotSet(slot, None) for slot in cleared]
