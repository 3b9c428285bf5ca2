"""The conversation language: set from each message, and confirmed when the user switches."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.instrument import LANGUAGES
from bot.language import choose_language
from bot.messages import message

LANGUAGE_SLOT = "language"
SOURCE_SLOT = "language_source"


class ActionDetectLanguage(Action):
    """Slot mapping for `language`: Rasa runs it after every user message."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        user_messages = sum(1 for event in tracker.events if event.get("event") == "user")
        choice = choose_language(
            Turn.of(tracker).text, tracker.get_slot(SOURCE_SLOT), user_messages
        )
        if choice is None:
            return self._page_language(tracker)
        return [SlotSet(LANGUAGE_SLOT, choice.language), SlotSet(SOURCE_SLOT, choice.source)]

    @staticmethod
    def _page_language(tracker: Tracker) -> List[EventType]:
        """The language of the page the widget sits on, until the user's words say otherwise."""
        if tracker.get_slot(SOURCE_SLOT) is not None:
            return []
        page = (tracker.latest_message.get("metadata") or {}).get("language")
        if page in LANGUAGES and page != tracker.get_slot(LANGUAGE_SLOT):
            return [SlotSet(LANGUAGE_SLOT, page)]
        return []


def confirm_switch(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    """Say, in the new language, that the conversation continues in it."""
    dispatcher.utter_message(text=message("language.switched", turn.language))


class ActionLanguageSwitched(Action):
    """Outside a form: confirm the switch and offer what Sedia can do, in the new language."""

    def name(self) -> str:
        return "action_language_switched"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        confirm_switch(Turn.of(tracker), dispatcher)
        dispatcher.utter_message(response="utter_what_next")
        return []
