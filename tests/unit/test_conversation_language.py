"""The conversation language is decided in the NLU pipeline (ConversationLanguage) and
filled by Rasa's own built-in slot mappings from domain/: no action-server call.

Each case runs the component, Rasa's RegexMessageHandler (for button payloads) and Rasa's
ActionExtractSlots on a real tracker with Sedia's domain, as the Rasa server does."""

from __future__ import annotations

import asyncio
from typing import Dict, List, Optional

import pytest
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.cli.launcher import REPO_ROOT
from bot.nlp.conversation_language import ConversationLanguage

DOMAIN = Domain.load(str(REPO_ROOT / "domain.yml"))


def _slots(tracker: DialogueStateTracker) -> Dict[str, Optional[str]]:
    return {"language": tracker.get_slot("language"), "language_source": tracker.get_slot("language_source")}


def say(tracker: DialogueStateTracker, text: str, intent: str = "greet", page: Optional[str] = None) -> List[dict]:
    """One user message through the component and Rasa's slot extraction; return its entities."""
    message = Message(data={TEXT: text, METADATA: {"language": page} if page else {}})
    message.set(INTENT, {"name": intent, "confidence": 0.99})
    ConversationLanguage().process([message], tracker)
    # A button's payload becomes a new message, with only the payload's entities.
    (message,) = RegexMessageHandler().process([message], DOMAIN)
    parsed = message.as_dict(only_output_properties=False)
    tracker.update(UserUttered(text, parsed[INTENT], parsed.get(ENTITIES, []), parse_data=parsed))
    events = asyncio.run(
        ActionExtractSlots(None).run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(DOMAIN.responses), tracker, DOMAIN
        )
    )
    for event in events:
        tracker.update(event)
    return parsed.get(ENTITIES, [])


@pytest.fixture
def tracker() -> DialogueStateTracker:
    """A conversation as the Rasa server holds it before the first message: its session start."""
    started = DialogueStateTracker("someone", DOMAIN.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        started.update(event)
    return started


def test_a_message_parsed_outside_a_conversation_gets_no_language():
    # /model/parse and rasa test's end-to-end NLU check pass an empty tracker.
    assert say(DialogueStateTracker("nobody", DOMAIN.slots), "selamat pagi, saya penyelaras") == []


def test_the_first_messages_set_the_language(tracker):
    assert _slots(tracker) == {"language": "en", "language_source": None}
    say(tracker, "selamat pagi")
    assert _slots(tracker) == {"language": "ms", "language_source": "inferred"}
    say(tracker, "hello there, we want to start")
    assert _slots(tracker) == {"language": "en", "language_source": "inferred"}


def test_a_message_that_does_not_tell_changes_nothing(tracker):
    assert say(tracker, "UPM") == []
    assert _slots(tracker) == {"language": "en", "language_source": None}


def test_after_the_first_three_messages_only_a_request_switches(tracker):
    for text in ("selamat pagi", "saya penyelaras", "UPM"):
        say(tracker, text)
    say(tracker, "I think our lecturers have no time for this at all")
    assert _slots(tracker) == {"language": "ms", "language_source": "inferred"}
    say(tracker, "English please", intent="switch_language")
    assert _slots(tracker) == {"language": "en", "language_source": "chosen"}


def test_a_choice_holds_against_inference(tracker):
    say(tracker, "cakap BM", intent="switch_language")
    assert _slots(tracker) == {"language": "ms", "language_source": "chosen"}
    say(tracker, "our lecturers have no time to learn the platform")
    assert _slots(tracker) == {"language": "ms", "language_source": "chosen"}


def test_a_language_button_is_a_choice(tracker):
    say(tracker, '/switch_language{"language": "ms"}', intent="switch_language")
    assert _slots(tracker) == {"language": "ms", "language_source": "chosen"}
    say(tracker, "hello, what can you do for me?")
    assert _slots(tracker) == {"language": "ms", "language_source": "chosen"}


def test_the_page_language_holds_until_the_user_words_decide(tracker):
    say(tracker, "UPM", page="ms")
    assert _slots(tracker) == {"language": "ms", "language_source": None}
    say(tracker, "hello there, can we start", page="ms")
    assert _slots(tracker) == {"language": "en", "language_source": "inferred"}
    say(tracker, "UPM", page="ms")
    assert _slots(tracker)["language"] == "en"


def test_an_unknown_page_language_is_ignored(tracker):
    assert say(tracker, "UPM", page="fr") == []
    assert _slots(tracker)["language"] == "en"


def test_no_slot_of_sedia_is_filled_by_an_action_server_call():
    custom_with_action = [
        slot.name
        for slot in DOMAIN.slots
        for mapping in slot.mappings
        if mapping.get("type") == "custom" and mapping.get("action")
    ]
    assert custom_with_action == []


def test_the_widget_greeting_carries_the_page_language_without_making_it_a_choice(tracker):
    # A button-style message's entities replace the pipeline's, so the widget's greeting
    # names the page language itself.
    say(tracker, '/greet{"language": "ms"}', page="ms")
    assert _slots(tracker) == {"language": "ms", "language_source": None}
    say(tracker, "hello there, can we start")
    assert _slots(tracker) == {"language": "en", "language_source": "inferred"}
