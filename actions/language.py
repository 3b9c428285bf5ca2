"""Confirming a language switch. The language itself is set by the NLU pipeline
(bot/nlp/conversation_language.py) through built-in slot mappings."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.core.messages import message


def confirm_switch(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    """Say, in the new language, that the conversation continues in it."""
    dispatcher.utter_message(text=message("language.switched", turn.language))


class ActionLanguageSwitched(Action):
    """Outside a form: confirm the switch and offer what Sedia can do, in the new language."""

    def name(self) -> str:
        return "action_language_switched"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        confirm_switch(Turn.of(tracker), dispatcher)
        dispatcher.utter_message(response="utter_what_next")
        return []
