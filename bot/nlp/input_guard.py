"""A Rasa NLU component that turns unusable messages into `nlu_fallback`.

DIET will happily classify "😀😀😀" or a page of Tamil as *some* intent; for those the
right reply is an explanation, not a guess. The checks themselves live in
`bot.input_checks`; this is only the Rasa glue, placed last in config.yml.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.input_checks import find_problem

INPUT_PROBLEM_KEY = "input_problem"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class InputGuard(GraphComponent):
    """Marks empty, huge, symbol-only and non-Latin messages as nlu_fallback."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "InputGuard":
        """Create the component (it has no state)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace the intent of unusable messages with nlu_fallback."""
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if text and text.startswith("/"):
                continue  # button payloads never reach NLU, but be safe
            problem = find_problem(text)
            if problem is None:
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback], add_to_output=True)
            message.set(INPUT_PROBLEM_KEY, problem.value, add_to_output=True)
        return messages
