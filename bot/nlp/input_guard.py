"""A Rasa NLU component that turns unusable messages into `nlu_fallback`.

DIET will happily classify "😀😀😀" or a page of Tamil as *some* intent; for those the
right reply is an explanation, not a guess. The checks themselves live in
`bot.core.input_checks`; this is only the Rasa glue, placed last in config.yml.
"""

from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.core.input_checks import find_problem
from bot.nlp.stateless import StatelessComponent

INPUT_PROBLEM_KEY = "input_problem"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputGuard(StatelessComponent):
    """Marks empty, huge, symbol-only and non-Latin messages as nlu_fallback."""

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
