"""The reply to messages Sedia cannot use or did not understand."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from actions.guidance import utter_mqa_answer
from bot.core.input_checks import explain_problem, find_problem
from bot.guidance.mqa import detect_topic


class ActionExplainInput(Action):
    """Say what was wrong with the message (empty, too long, ...) or what Sedia can do."""

    def name(self) -> str:
        return "action_explain_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn.of(tracker)
        problem = find_problem(turn.text)
        if problem is None and detect_topic(turn.text):
            # Unsure of the intent, but the message names an MQA topic: answer it.
            utter_mqa_answer(dispatcher, turn)
        elif problem is None:
            dispatcher.utter_message(response="utter_default")
        else:
            dispatcher.utter_message(text=explain_problem(problem, turn.text, turn.language))
        return []
