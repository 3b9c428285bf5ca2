"""A message split between goodbye and thanks is answered as the likelier of the two."""

import yaml

from bot.cli.launcher import REPO_ROOT
from bot.core.closings import CLOSING_MIN, closing_intent


def _ranking(*pairs):
    return [{"name": "nlu_fallback", "confidence": 0.75}] + [{"name": n, "confidence": c} for n, c in pairs]


def test_goodbye_and_thanks_together_above_the_threshold_close_the_conversation():
    assert closing_intent(_ranking(("thanks", 0.74), ("goodbye", 0.24))) == "thanks"
    assert closing_intent(_ranking(("goodbye", 0.5), ("thanks", 0.3))) == "goodbye"


def test_anything_else_is_left_to_the_fallback():
    assert closing_intent(_ranking(("thanks", 0.4), ("goodbye", 0.3))) is None  # below the threshold
    assert closing_intent(_ranking(("show_plan", 0.6), ("thanks", 0.3))) is None
    assert closing_intent(_ranking(("thanks", 0.7), ("show_plan", 0.2), ("goodbye", 0.1))) is None
    assert closing_intent([]) is None


def test_the_threshold_is_the_fallback_classifiers():
    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert CLOSING_MIN == fallback["threshold"]
