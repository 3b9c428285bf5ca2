"""Sedia's SpacyNLP loads the spaCy pipeline once per process, where Rasa's loads it for
each of the two graph nodes built from it; and the recipe wires it like Rasa's own."""

from __future__ import annotations

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.cli.launcher import REPO_ROOT
from bot.nlp.spacy_model import SpacyNLP
from bot.rasa_glue import workarounds as rasa_workarounds

CONFIG = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))


def _create(tmp_path, name: str) -> SpacyNLP:
    return SpacyNLP.create(
        {"model": str(REPO_ROOT / "models" / "spacy" / "sedia")},
        LocalModelStorage(tmp_path),
        Resource(name),
        ExecutionContext(GraphSchema({}), "test"),
    )


def test_both_graph_nodes_share_one_loaded_pipeline(tmp_path):
    provider, runner = _create(tmp_path, "provide_SpacyNLP0"), _create(tmp_path, "run_SpacyNLP0")
    assert provider.provide().model is runner.provide().model
    assert [t.text for t in runner.provide().model("Pensyarah kami di UPM")] == ["Pensyarah", "kami", "di", "UPM"]


def test_the_pipeline_uses_it_and_the_tokenizer_finds_it_as_its_model():
    assert CONFIG["pipeline"][0]["name"] == "bot.nlp.spacy_model.SpacyNLP"
    recipe = DefaultV1Recipe()
    graph = recipe.graph_config_for_recipe(CONFIG, {}, training_type=None)
    nodes = graph.predict_schema.nodes
    provider = next(name for name, n in nodes.items() if n.uses is SpacyNLP and name.startswith("provide_"))
    runner = next(name for name, n in nodes.items() if n.uses is SpacyNLP and name.startswith("run_"))
    assert nodes["run_SpacyTokenizer1"].needs["messages"] == runner
    extractor = next(n for n in nodes.values() if n.uses.__name__ == "SpacyEntityExtractor")
    assert extractor.needs["model"] == provider


def test_loading_it_installs_the_rasa_workarounds():
    assert all(workaround.is_installed() for workaround in rasa_workarounds.WORKAROUNDS)
