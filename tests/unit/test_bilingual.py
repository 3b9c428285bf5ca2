"""Everything the user sees exists in English and in Bahasa Melayu."""

from pathlib import Path

import pytest
import yaml

from bot.core import messages
from bot.core.instrument import LANGUAGES, InstrumentError, load_instrument
from bot.guidance import all_recommendations, theme_guidance
from bot.guidance.mqa import load_knowledge

REPO = Path(__file__).resolve().parents[2]
MS_CONDITION = [{"type": "slot", "name": "language", "value": "ms"}]


def _responses() -> dict:
    return yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8")).get("responses") or {}


RESPONSES = _responses()


def test_there_are_responses_to_check():
    assert len(RESPONSES) > 30


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_an_english_default_and_a_malay_variation(name):
    variations = RESPONSES[name]
    malay = [v for v in variations if v.get("condition") == MS_CONDITION]
    default = [v for v in variations if not v.get("condition")]
    assert len(malay) == 1 and len(default) == 1 and len(variations) == 2, name
    assert malay[0]["text"].strip() and default[0]["text"].strip()
    assert malay[0]["text"] != default[0]["text"], f"{name}: the Malay text is the English one"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_both_variations_offer_the_same_choices_and_fill_the_same_fields(name):
    malay, default = (next(v for v in RESPONSES[name] if bool(v.get("condition")) == c) for c in (True, False))

    def payloads(variation):
        # The language button offers the other language, so it differs on purpose.
        return [b["payload"] for b in variation.get("buttons", []) if "switch_language" not in b["payload"]]

    def fields(variation):
        import re

        return sorted(re.findall(r"\{(\w+)\}", variation["text"]))

    assert payloads(malay) == payloads(default)
    assert fields(malay) == fields(default)


def _walk(node, path=""):
    """Every leaf mapping with language keys in a nested messages document."""
    if isinstance(node, dict) and set(node) & set(LANGUAGES):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}".strip("."))


def test_every_message_exists_in_both_languages():
    raw = yaml.safe_load((REPO / "bot" / "core" / "messages.yml").read_text(encoding="utf-8"))
    leaves = list(_walk(raw))
    assert len(leaves) > 10
    for key, _ in leaves:
        wording = messages.wording(key)  # raises when a language is missing
        assert wording.get("en") != wording.get("ms"), key


def test_every_guidance_text_exists_in_both_languages():
    instrument = load_instrument()
    for theme_id in instrument.theme_ids:
        guidance = theme_guidance(theme_id)
        assert guidance.get("ms") != guidance.get("en")
    recommendations = all_recommendations()
    assert set(recommendations) == set(instrument.theme_ids)
    for by_level in recommendations.values():
        assert set(by_level) == {level.id for level in instrument.levels}
        for recommendation in by_level.values():
            assert recommendation.text.get("ms") != recommendation.text.get("en")
            assert recommendation.owner_label.get("ms") != recommendation.owner_label.get("en")
    for topic in load_knowledge().topics.values():
        assert topic.text.get("ms") != topic.text.get("en"), topic.id


def test_a_guidance_text_without_malay_is_rejected(tmp_path, monkeypatch):
    import bot.guidance as guidance

    raw = yaml.safe_load((REPO / "bot" / "guidance" / "recommendations.yml").read_text(encoding="utf-8"))
    del raw["themes"]["quality"]["recommendations"]["emerging"]["text"]["ms"]
    monkeypatch.setattr(guidance, "_recommendations_file", lambda: raw)
    with pytest.raises(InstrumentError, match="ms"):
        guidance.recommendation("quality", "emerging")
