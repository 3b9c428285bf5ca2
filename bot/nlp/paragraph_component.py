"""A Rasa NLU component that reads long messages sentence by sentence (issue 18).

It runs after DIET and the FallbackClassifier. DIET still decides whether a paragraph is
about the readiness themes at all: the component re-reads a paragraph that DIET gave a
theme, or one of the intents a long opinion is often mistaken for (`rereads` in
config.yml), or one DIET could not place (the FallbackClassifier made it `nlu_fallback`):
DIET learns from short messages only, and a long opinion is what Sedia mostly receives.
Which theme, and how sure, is then the sentence reader's (bot/nlp/paragraph_themes.py),
whose scores replace DIET's overconfident ranking. When the
likeliest theme is below `threshold`, or too close to the next (`ambiguity_threshold`),
the message becomes `nlu_fallback` with the themes ranked, and Sedia asks which of the two
likeliest was meant instead of answering the wrong one.

A paragraph with a question in it that DIET read as an MQA question stays one.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config.settings import REPO_ROOT
from bot.nlp.long_examples import long_examples, long_examples_fingerprint
from bot.nlp.paragraph_themes import ThemeModel, has_question, is_paragraph

PARAGRAPH_KEY = "paragraph"
_MODEL_FILE = "theme_model.pkl"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ParagraphThemes(GraphComponent):
    """Re-reads long messages by their sentences' themes."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The defaults; config.yml sets the tuned values."""
        return {
            "theme_prefix": "theme_",
            "rereads": ["ask_mqa", "out_of_scope", "show_plan", "help"],
            "question_intents": ["ask_mqa"],
            "threshold": 0.4,
            "ambiguity_threshold": 0.25,
            "regularisation": 16.0,
            # A folder of long examples only this component learns from (data/paragraphs/,
            # bot/nlp/long_examples.py), relative to the project; None: none.
            "long_examples": None,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The long examples' digest, so that editing them retrains this component."""
        folder = _long_examples_dir(config)
        return long_examples_fingerprint(folder) if folder else None

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[ThemeModel] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ParagraphThemes":
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ParagraphThemes":
        """The component with the model `train` persisted."""
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                # Our own file, written by `train` below into this model's own storage.
                model = pickle.loads((directory / _MODEL_FILE).read_bytes())  # noqa: S301
        except (ValueError, FileNotFoundError):
            model = None  # a model trained without theme examples: nothing to re-read with
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the sentence model from the theme intents' examples and the long examples."""
        prefix = self._config["theme_prefix"]
        pairs = [
            (m.get(TEXT), m.get(INTENT))
            for m in training_data.intent_examples
            if m.get(TEXT) and str(m.get(INTENT) or "").startswith(prefix)
        ]
        folder = _long_examples_dir(self._config)
        if folder:
            pairs += [(e.text, e.intent) for e in long_examples(folder)]
        if len({intent for _, intent in pairs}) >= 2:
            model = ThemeModel(self._config["regularisation"]).fit([t for t, _ in pairs], [i for _, i in pairs])
            with self._storage.write_to(self._resource) as directory:
                (directory / _MODEL_FILE).write_bytes(pickle.dumps(model))
            self._model = model
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Re-read each paragraph that DIET gave a theme or a reading it often mistakes."""
        for message in messages:
            if self._model is not None and self._rereads(message):
                self._reread(message)
        return messages

    def _rereads(self, message: Message) -> bool:
        text = message.get(TEXT)
        if not is_paragraph(text):
            return False
        best = _diet_ranking(message)[:1]
        if not best:
            return False
        intent = best[0][0]
        if intent in self._config["question_intents"] and has_question(text):
            return False
        unsure = (message.get(INTENT) or {}).get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME
        return unsure or intent.startswith(self._config["theme_prefix"]) or intent in self._config["rereads"]

    def _reread(self, message: Message) -> None:
        assert self._model is not None
        ranking = self._model.paragraph_scores(message.get(TEXT)).ranking
        (top, top_score), (_, second_score) = ranking[0], ranking[1]
        sure = (
            top_score >= self._config["threshold"] and top_score - second_score >= self._config["ambiguity_threshold"]
        )
        name = top if sure else DEFAULT_NLU_FALLBACK_INTENT_NAME
        confidence = top_score if sure else self._config["threshold"]
        message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
        message.set(PARAGRAPH_KEY, True, add_to_output=True)


def _long_examples_dir(config: Dict[Text, Any]) -> Optional[Path]:
    folder = config.get("long_examples")
    if not folder:
        return None
    path = Path(folder)
    return path if path.is_absolute() else REPO_ROOT / path


def _diet_ranking(message: Message) -> List[Tuple[str, float]]:
    # The classifier's own ranking, without the fallback the FallbackClassifier put first.
    return [
        (str(r["name"]), float(r["confidence"]))
        for r in message.get(INTENT_RANKING_KEY) or []
        if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
    ]
