"""The reply to messages Sedia cannot use or did not understand."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from actions.guidance import utter_mqa_answer
from bot.core.closings import closing_intent
from bot.core.input_checks import explain_problem, find_problem
from bot.core.instrument import load_instrument
from bot.core.theme_reading import likeliest_two
from bot.guidance.mqa import detect_topic, names_mqa
from bot.guidance.mqa_topics import mqa_question_topic
from bot.nlp.paragraph_themes import is_paragraph


class ActionExplainInput(Action):
    """Say what was wrong with the message (empty, too long, ...) or what Sedia can do."""

    def name(self) -> str:
        return "action_explain_input"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn.of(tracker)
        problem = find_problem(turn.text)
        choice = likeliest_two(turn.ranking) if problem is None and is_paragraph(turn.text) else None
        closing = closing_intent(turn.ranking) if problem is None else None
        if closing is not None:
            dispatcher.utter_message(response=f"utter_{closing}")
        elif choice is not None:
            # A long message split between two themes: ask, rather than answer the wrong one.
            ask_which_theme(dispatcher, choice, turn.language)
        elif problem is None and (
            detect_topic(turn.text) or names_mqa(turn.text) or mqa_question_topic(turn.text) is not None
        ):
            # Unsure of the intent, but the message names MQA or one of its topics, or asks
            # a question whose topic is clear: answer it.
            utter_mqa_answer(dispatcher, turn)
        elif problem is None:
            dispatcher.utter_message(response="utter_default")
        else:
            dispatcher.utter_message(text=explain_problem(problem, turn.text, turn.language))
        return []


def ask_which_theme(dispatcher: CollectingDispatcher, themes: Tuple[str, str], language: str) -> None:
    """Offer the two likeliest themes of an unclear message as buttons."""
    instrument = load_instrument()
    first, second = (instrument.theme(theme_id) for theme_id in themes)
    dispatcher.utter_message(
        response="utter_which_theme",
        first_theme_name=first.name.get(language),
        second_theme_name=second.name.get(language),
        first_intent=first.intent_name,
        second_intent=second.intent_name,
    )
