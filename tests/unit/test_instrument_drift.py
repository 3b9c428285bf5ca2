"""The Rasa domain, rules, actions and scoring all follow bot/core/instrument.yml."""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from bot.core.instrument import load_instrument
from bot.core.scoring import score_answers
from bot.rasa_glue.domain import DOMAIN_FILE, HAND_WRITTEN_DOMAIN, RULES_FILE, rendered, step_values

REPO = Path(__file__).resolve().parents[2]


def test_generated_rasa_files_are_up_to_date():
    for path, text in rendered(load_instrument()):
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `python -m bot sync-rasa`"


def test_forms_ask_exactly_the_instrument_items_in_order():
    instrument = load_instrument()
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    for theme in instrument.themes:
        assert domain["forms"][theme.form_name]["required_slots"] == [i.id for i in theme.items]
    assert domain["forms"]["profile_form"]["required_slots"] == list(instrument.profile.field_ids)
    hand_written = yaml.safe_load(HAND_WRITTEN_DOMAIN.read_text(encoding="utf-8"))["forms"]
    theme_forms = {k for k in domain["forms"] if k not in ("profile_form", *hand_written)}
    assert theme_forms == {t.form_name for t in instrument.themes}


def test_every_item_has_a_slot_a_question_response_and_a_validator():
    instrument = load_instrument()
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    for item in instrument.items:
        assert item.id in domain["slots"]
        # Forms ask with the response, never with an action-server call.
        malay, english = domain["responses"][f"utter_ask_{item.id}"]
        assert english["text"] == f"{instrument.progress_mark(item, 'en')} {item.text.get('en')}"
        assert malay["text"] == f"{instrument.progress_mark(item, 'ms')} {item.text.get('ms')}"
        assert malay["condition"] == [{"type": "slot", "name": "language", "value": "ms"}]
        assert f"action_ask_{item.id}" not in executor.actions
        assert bool(english.get("buttons")) is not item.is_open
    for field in instrument.profile.field_ids:
        assert f"utter_ask_{field}" in domain["responses"]
    for theme in instrument.themes:
        assert f"validate_{theme.form_name}" in executor.actions


def test_hand_written_domain_names_no_instrument_text():
    # Question wording lives only in instrument.yml; the domain must not copy it.
    domain_text = (REPO / "domain" / "sedia.yml").read_text(encoding="utf-8")
    for item in load_instrument().items:
        assert item.text.get("en")[:40] not in domain_text


def test_rules_start_every_step_form():
    instrument = load_instrument()
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    started = {r["steps"][2]["action"] for r in rules if r["rule"].startswith("step ") and "starts" in r["rule"]}
    assert started == {"consent_form", "profile_form", *(t.form_name for t in instrument.themes)}
    assert set(step_values(instrument)) >= set(instrument.theme_ids)


def test_scoring_covers_every_scale_item():
    instrument = load_instrument()
    all_fives = {item.id: 5 for theme in instrument.themes for item in theme.scale_items}
    profile = score_answers(all_fives, instrument)
    assert profile.index == 100
    assert all(t.answered == t.total == len(instrument.theme(t.theme_id).scale_items) for t in profile.themes)


def test_entity_labels_agree_between_gazetteer_config_and_domain():
    from bot.nlp.build import MQA_TOPIC
    from bot.nlp.gazetteer import ENTITY_LABELS

    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    [extractor] = [c for c in config["pipeline"] if c["name"] == "SpacyEntityExtractor"]
    assert tuple(extractor["dimensions"]) == (*ENTITY_LABELS, MQA_TOPIC)
    domain = yaml.safe_load((REPO / "domain" / "sedia.yml").read_text(encoding="utf-8"))
    names = {e if isinstance(e, str) else next(iter(e)) for e in domain["entities"]}
    assert {*ENTITY_LABELS, MQA_TOPIC} <= names
