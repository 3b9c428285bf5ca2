"""A Rasa NLU component that sets the conversation language as entities.

The language is decided inside the NLU pipeline, so Rasa fills the `language` and
`language_source` slots with built-in from_entity mappings and no message costs an
action-server round trip just to read it. The decision itself is `bot.core.language`'s; this
is only the Rasa glue. Rasa hands a `process` method that names a `tracker` parameter
the conversation so far (before this message), which the rule needs: inference from the
first messages only, and never after the user chose.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.language import LANGUAGE_ENTITY, SOURCE_ENTITY, language_entities
from bot.nlp.stateless import StatelessComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ConversationLanguage(StatelessComponent):
    """Adds `language` and `language_source` entities decided by bot.core.language."""

    def process(self, messages: List[Message], tracker: DialogueStateTracker) -> List[Message]:
        """Add the language entities the message and the conversation call for."""
        # Rasa always passes a tracker: an empty one when a message is parsed on its own
        # (`/model/parse`, `rasa shell nlu`, `rasa test`'s end-to-end NLU check). A live
        # conversation has at least its session start, so an empty tracker means no
        # conversation, and there is no conversation language to decide.
        if not tracker.events:
            return messages
        earlier = sum(1 for event in tracker.events if isinstance(event, UserUttered))
        source = tracker.get_slot(SOURCE_ENTITY)
        current = tracker.get_slot(LANGUAGE_ENTITY)
        for message in messages:
            page = (message.get(METADATA) or {}).get("language")
            found = language_entities(message.get(TEXT), source, current, earlier + 1, page)
            if not found:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") not in found]
            # The whole message is the evidence for its language; Rasa's evaluators place
            # every entity by its span, so these carry one too.
            span = {"start": 0, "end": len(message.get(TEXT) or "")}
            entities += [
                {"entity": name, "value": value, **span, "extractor": type(self).__name__}
                for name, value in found.items()
            ]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
