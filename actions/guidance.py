"""Actions that give guidance: on a theme raised in free text, and on MQA."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import Turn
from bot.core.instrument import load_instrument
from bot.core.messages import message, name_mqa_in_full
from bot.core.theme_reading import ThemeReading, read_themes
from bot.guidance import theme_guidance_answer
from bot.guidance.mqa import UNKNOWN, load_knowledge
from bot.guidance.mqa import answer as mqa_answer
from bot.guidance.mqa_topics import choose_topic, mqa_question_topic, warm_up
from bot.nlp.paragraph_themes import is_paragraph

# The action server imports this module as it starts: train the topic reader then.
warm_up()


def utter_mqa_answer(dispatcher: CollectingDispatcher, turn: Turn) -> str:
    """Answer the MQA question in the latest message, with its sources; return the topic.

    A topic button names its topic; typed text is read by the topic reader. When the reader
    is unsure, Sedia offers the two likeliest topics as buttons and returns "unknown".
    """
    chosen = [value for value in turn.entity_values("mqa_topic") if value in load_knowledge().topics]
    if turn.from_button and chosen:
        topic: Optional[str] = chosen[0]
        reading = None
    else:
        reading = choose_topic(turn.text)
        topic = reading.topic
    if topic is None and reading is not None:
        offer_mqa_topics(dispatcher, reading.likeliest_two, turn.language)
        return UNKNOWN
    dispatcher.utter_message(text=mqa_answer(topic or UNKNOWN, turn.language))
    return topic or UNKNOWN


def offer_mqa_topics(dispatcher: CollectingDispatcher, topics: Tuple[str, str], language: str) -> None:
    """Ask which of two MQA topics was meant, with a button for each."""
    knowledge = load_knowledge()
    buttons = []
    for topic_id in topics:
        name = knowledge.topics[topic_id].name
        title = name.get(language) if name else topic_id
        buttons.append({"title": title, "payload": f'/ask_mqa{{"mqa_topic": "{topic_id}"}}'})
    text = name_mqa_in_full(message("mqa.which_topic", language, index=knowledge.index_url), language)
    dispatcher.utter_message(text=text, buttons=buttons)


class ActionAnswerMqa(Action):
    """Answer a question about MQA's micro-credential rules, with its sources."""

    def name(self) -> str:
        return "action_answer_mqa"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        topic = utter_mqa_answer(dispatcher, Turn.of(tracker))
        return [SlotSet("mqa_topic", topic)]


class ActionThemeGuidance(Action):
    """Short guidance on the theme the user raised, then an offer of its questions."""

    def name(self) -> str:
        return "action_theme_guidance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        turn = Turn.of(tracker)
        if mqa_question_topic(turn.text) is not None:
            # "What quality assurance do we need?" asks about MQA's rules, not a problem.
            topic = utter_mqa_answer(dispatcher, turn)
            return [SlotSet("mqa_topic", topic)]
        instrument = load_instrument()
        theme_id = instrument.theme_of_intent(turn.intent)
        if theme_id is None:
            dispatcher.utter_message(response="utter_default")
            return []
        language = turn.language
        # Only a long message is read for a second theme: a short one says one thing.
        reading = read_themes(theme_id, turn.ranking) if is_paragraph(turn.text) else ThemeReading(theme_id)
        name = instrument.theme(theme_id).name.get(language)
        dispatcher.utter_message(text=theme_guidance_answer(theme_id, language))
        if reading.secondary is None:
            dispatcher.utter_message(response="utter_theme_offer", theme_name=name)
        else:
            dispatcher.utter_message(
                response="utter_two_themes_offer",
                theme_name=name,
                second_theme_name=instrument.theme(reading.secondary).name.get(language),
                second_theme=reading.secondary,
            )
        return [SlotSet("focus_theme", theme_id)]
