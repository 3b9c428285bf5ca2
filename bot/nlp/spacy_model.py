"""Rasa's SpacyNLP, loading Sedia's spaCy pipeline once per process instead of twice.

Rasa 3.6's default recipe builds two graph nodes from SpacyNLP: one that provides the
model to the tokenizer and the entity extractor, and one that runs it. Each node calls
`spacy.load()` in its constructor, so every Rasa server start (and every training) loaded
the pipeline twice; with the Indonesian tokenizer's 16,000 exceptions that cost about
10 seconds each time on our machines. This subclass keeps Rasa's behaviour and shares one
loaded pipeline per path. It keeps the class name, because Rasa's tokenizer and entity
extractor find their model provider by the name `SpacyNLP`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils

from bot.rasa_glue import workarounds as rasa_workarounds  # noqa: F401  (installs them on import)


@lru_cache(maxsize=4)
def _loaded(spacy_model_name: Text) -> spacy_utils.SpacyModel:
    return spacy_utils.SpacyNLP.load_model(spacy_model_name)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Rasa's SpacyNLP with one loaded pipeline per path in each process."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> spacy_utils.SpacyModel:
        """The pipeline at this path, loaded on first use and shared after that."""
        return _loaded(spacy_model_name)
