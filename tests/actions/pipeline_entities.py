"""The entities Sedia's NLU pipeline puts on a message, for action tests' trackers.

Actions read some decisions the pipeline already made (the conversation language, a
button's values), so a test's latest message carries what the Rasa server would give it:
Sedia's ConversationLanguage component, then Rasa's RegexMessageHandler for button
payloads, run on a conversation that has started and holds the test's slots.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Mapping

from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.cli.launcher import REPO_ROOT
from bot.nlp.conversation_language import ConversationLanguage


@lru_cache(maxsize=1)
def _domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


def pipeline_entities(text: str, intent: str, slots: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The entities of `text` as the first message after these slots were set."""
    domain = _domain()
    started = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    names = {slot.name for slot in domain.slots}
    known = [SlotSet(name, value) for name, value in slots.items() if name in names]
    tracker = DialogueStateTracker.from_events("tester", started + known, domain.slots)
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 1.0})
    ConversationLanguage().process([message], tracker)
    # A button's payload becomes a new message, with only the payload's entities.
    (parsed,) = RegexMessageHandler().process([message], domain)
    return list(parsed.get(ENTITIES) or [])
