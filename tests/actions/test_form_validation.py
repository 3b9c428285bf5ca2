"""The form glue stores answers only when it should, and answers digressions without storing."""

import asyncio
from pathlib import Path
from typing import Optional

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bot.config.identity import respondent_id
from bot.storage import repository
from bot.storage.db import session_scope
from tests.actions.pipeline_entities import pipeline_entities

EXECUTOR = ActionExecutor()
EXECUTOR.register_package("actions")
DOMAIN: dict = {"slots": {}, "forms": {}}
_raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
DOMAIN["slots"].update(_raw.get("slots") or {})
DOMAIN["forms"].update(_raw.get("forms") or {})


def tracker(
    text: str,
    intent: str,
    slots: Optional[dict] = None,
    requested: Optional[str] = None,
    confidence: float = 0.95,
    sender: str = "tester",
    ranking: Optional[list] = None,
) -> Tracker:
    all_slots = {"requested_slot": requested, "language": "en", **(slots or {})}
    entities = pipeline_entities(text, intent, all_slots)
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities}
    if ranking is not None:
        latest["intent_ranking"] = [{"name": name, "confidence": score} for name, score in ranking]
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}]
    return Tracker(sender, all_slots, latest, events, False, None, {"name": "x_form"}, "action_listen")


def validate(action_name: str, slot: str, track: Tracker):
    dispatcher = CollectingDispatcher()
    action = EXECUTOR.actions[action_name]
    # The form passes the candidate slot value in a trailing SlotSet event.
    track.events.append({"event": "slot", "name": slot, "value": track.latest_message["text"]})
    events = asyncio.run(action(dispatcher, track, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def consent(sender: str = "tester") -> str:
    rid = respondent_id("rest", sender)
    with session_scope() as session:
        repository.record_consent(session, rid, "rest")
    return rid


def stored(rid: str) -> dict:
    with session_scope() as session:
        assessment = repository.current_assessment(session, rid)
        return (
            {}
            if assessment is None
            else {k: v.value for k, v in repository.answers_for(session, assessment.id).items()}
        )


def test_a_valid_answer_is_stored_at_once(sqlite_url):
    rid = consent()
    slots, messages = validate("validate_training_form", "trn_2", tracker("agree", "affirm", requested="trn_2"))
    assert slots["trn_2"] == "4" and messages == []
    assert stored(rid) == {"trn_2": 4}


def test_without_consent_nothing_is_stored_but_the_slot_is_kept(sqlite_url):
    slots, _ = validate(
        "validate_training_form", "trn_2", tracker("5", "answer_scale", requested="trn_2", sender="nobody")
    )
    assert slots["trn_2"] == "5"
    assert stored(respondent_id("rest", "nobody")) == {}
    with session_scope() as session:
        assert not repository.has_consent(session, respondent_id("rest", "nobody"))


def test_restored_slots_are_not_written_again(sqlite_url):
    rid = consent()
    slots, _ = validate("validate_training_form", "trn_2", tracker("4", "answer_scale", requested=None))
    assert slots["trn_2"] == "4" and stored(rid) == {}


def test_digressions_are_answered_and_the_question_stays_open(sqlite_url):
    rid = consent()
    slots, messages = validate(
        "validate_training_form", "trn_3", tracker("what does MQA say?", "ask_mqa", requested="trn_3")
    )
    assert slots["trn_3"] is None and "Source: MQA" in messages[0]["text"]
    slots, messages = validate(
        "validate_training_form", "trn_3", tracker("why do you ask this?", "ask_why", requested="trn_3")
    )
    assert slots["trn_3"] is None and "instructional designers" in messages[0]["text"]
    slots, messages = validate("validate_training_form", "trn_3", tracker("purple", "out_of_scope", requested="trn_3"))
    assert slots["trn_3"] is None and "number from 1" in messages[-1]["text"]
    assert stored(rid) == {}


def test_stop_pauses_and_ends_the_form(sqlite_url):
    rid = consent()
    validate("validate_training_form", "trn_1", tracker("3", "answer_scale", requested="trn_1"))
    slots, messages = validate(
        "validate_training_form", "trn_2", tracker("stop", "pause_assessment", requested="trn_2")
    )
    assert slots["requested_slot"] is None and slots["interview_step"] == "paused"
    with session_scope() as session:
        assert repository.current_assessment(session, rid).status == "paused"
    assert any(m.get("response") == "utter_paused" for m in messages)


def test_open_answer_is_kept_verbatim_and_long_ones_are_refused(sqlite_url):
    consent()
    slots, _ = validate(
        "validate_quality_form", "qua_open", tracker("Approval takes a year.", "theme_quality", requested="qua_open")
    )
    assert slots["qua_open"] == "Approval takes a year."
    slots, messages = validate(
        "validate_quality_form", "qua_open", tracker("z" * 5000, "nlu_fallback", requested="qua_open")
    )
    assert slots["qua_open"] is None and "too long" in messages[0]["text"]


def test_consent_yes_is_recorded_and_no_is_not(sqlite_url):
    slots, _ = validate(
        "validate_consent_form", "consent", tracker("yes please", "affirm", requested="consent", sender="a")
    )
    assert slots["consent"] == "given"
    slots, _ = validate("validate_consent_form", "consent", tracker("no", "deny", requested="consent", sender="b"))
    assert slots["consent"] == "declined"
    with session_scope() as session:
        assert repository.has_consent(session, respondent_id("rest", "a"))
        assert not repository.has_consent(session, respondent_id("rest", "b"))


def test_a_command_is_not_taken_for_a_name(sqlite_url):
    consent()
    slots, messages = validate(
        "validate_profile_form", "institution", tracker("continue", "continue_assessment", requested="institution")
    )
    assert slots["institution"] is None and "name or acronym" in messages[-1]["text"]
    slots, _ = validate(
        "validate_profile_form",
        "institution",
        tracker("Kolej Komuniti Selayang", "inform_profile", requested="institution"),
    )
    assert slots["institution"] == "Kolej Komuniti Selayang"


# ----- language -----------------------------------------------------------------------
def run_action(action_name: str, track: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(EXECUTOR.actions[action_name](dispatcher, track, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def answers_with_language(rid: str) -> dict:
    with session_scope() as session:
        assessment = repository.current_assessment(session, rid)
        return {k: (v.value, v.language) for k, v in repository.answers_for(session, assessment.id).items()}


def test_a_language_switch_inside_a_form_keeps_the_answers_and_asks_again(sqlite_url):
    rid = consent()
    validate("validate_training_form", "trn_1", tracker("agree", "answer_scale", requested="trn_1"))
    validate("validate_training_form", "trn_2", tracker("sangat setuju", "answer_scale", requested="trn_2"))
    # The `language` slot mapping has already switched to Malay when the form validates.
    slots, messages = validate(
        "validate_training_form",
        "trn_3",
        tracker("cakap Bahasa Melayu", "switch_language", slots={"language": "ms"}, requested="trn_3"),
    )
    assert slots == {"trn_3": None}
    assert [m["text"] for m in messages] == ["Baik, kita teruskan dalam Bahasa Melayu."]
    assert answers_with_language(rid) == {"trn_1": (4, "en"), "trn_2": (5, "ms")}
    # The form then asks the same question again with its response, now in Malay.
    asked = _rendered("utter_ask_trn_3", {"language": "ms", "requested_slot": "trn_3"})
    assert "pereka bentuk instruksional" in asked["text"]
    assert [b["title"] for b in asked["buttons"]][-2:] == ["Sangat setuju", "Tidak pasti"]
    assert asked["buttons"][-1]["payload"] == '/answer_scale{"scale_value": "not_sure", "scale_item": "trn_3"}'


def test_an_answer_misread_as_a_language_switch_is_still_an_answer(sqlite_url):
    # The classifier's intent alone is no request: the NLU found no language choice in it.
    rid = consent()
    slots, messages = validate(
        "validate_training_form",
        "trn_1",
        tracker("agree", "switch_language", slots={"language": "ms"}, requested="trn_1"),
    )
    assert slots["trn_1"] == "4"
    assert not any("Bahasa Melayu" in (m.get("text") or "") for m in messages)
    assert answers_with_language(rid) == {"trn_1": (4, "en")}  # the language of its words


def _rendered(response: str, slots: dict) -> dict:
    """A domain response as Rasa's own response generator renders it with these slots."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    track = DialogueStateTracker.from_events("tester", [SlotSet(k, v) for k, v in slots.items()], domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(nlg.generate(response, track, "rest"))


def test_a_button_answer_is_stored_in_the_conversation_language(sqlite_url):
    rid = consent()
    validate(
        "validate_quality_form",
        "qua_1",
        tracker('/answer_scale{"scale_value": "2"}', "answer_scale", slots={"language": "ms"}, requested="qua_1"),
    )
    assert answers_with_language(rid) == {"qua_1": (2, "ms")}


def test_malay_hints_and_digressions(sqlite_url):
    consent()
    slots, messages = validate(
        "validate_training_form",
        "trn_4",
        tracker("pisang", "out_of_scope", slots={"language": "ms"}, requested="trn_4"),
    )
    assert slots["trn_4"] is None and "Sila jawab dengan nombor" in messages[-1]["text"]
    slots, messages = validate(
        "validate_training_form", "trn_4", tracker("kenapa?", "ask_why", slots={"language": "ms"}, requested="trn_4")
    )
    assert slots["trn_4"] is None and "staf sokongan" in messages[-1]["text"]


def test_a_forged_language_button_leaves_sedia_in_its_own_languages(sqlite_url):
    _, messages = run_action(
        "action_language_switched", tracker("/switch_language", "switch_language", slots={"language": "fr"})
    )
    assert messages[0]["text"] == "All right, we'll continue in English."


def test_switching_outside_a_form_confirms_and_offers_the_menu(sqlite_url):
    _, messages = run_action("action_language_switched", tracker("BM", "switch_language", slots={"language": "ms"}))
    assert messages[0]["text"] == "Baik, kita teruskan dalam Bahasa Melayu."
    assert messages[1]["response"] == "utter_what_next"


def test_an_unsure_or_theme_reading_of_an_mqa_question_still_gets_the_answer(sqlite_url):
    from bot.guidance.mqa import answer

    _, messages = run_action(
        "action_explain_input", tracker("perlukah hasil pembelajaran", "nlu_fallback", slots={"language": "ms"})
    )
    assert messages[0]["text"] == answer("outcomes_assessment", "ms")
    _, messages = run_action("action_theme_guidance", tracker("what quality assurance do we need?", "theme_quality"))
    assert messages[0]["text"] == answer("qa_checklist", "en")
    # A problem statement that mentions a topic word is still a problem, with its guidance.
    _, messages = run_action("action_theme_guidance", tracker("our quality assurance is weak", "theme_quality"))
    assert "Would you like to answer" in str(messages[-1]) or messages[-1].get("response") == "utter_theme_offer"
    consent()
    slots, messages = validate(
        "validate_training_form",
        "trn_1",
        tracker("ada senarai semak?", "nlu_fallback", slots={"language": "ms"}, requested="trn_1"),
    )
    assert slots["trn_1"] is None and messages[0]["text"] == answer("qa_checklist", "ms")


def test_form_validations_need_no_domain(sqlite_url):
    # Rasa sends no domain to actions marked send_domain: false; the answer is still
    # validated and stored, because the forms know their slots from the instrument.
    rid = consent()
    dispatcher = CollectingDispatcher()
    track = tracker("agree", "answer_scale", requested="trn_1")
    track.events.append({"event": "slot", "name": "trn_1", "value": "agree"})
    events = asyncio.run(EXECUTOR.actions["validate_training_form"](dispatcher, track, {}))
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"} == {"trn_1": "4"}
    assert answers_with_language(rid) == {"trn_1": (4, "en")}


def test_an_assessment_finished_under_instrument_version_1_stays_complete(sqlite_url):
    # Version 2 added statements it never asked; its summary must not call it partial.
    from bot.core.instrument import load_instrument

    rid = consent()
    with session_scope() as session:
        assessment = repository.start_assessment(session, rid, "rest", 1)
        for item in load_instrument().items:
            if item.id not in ("con_6", "trn_7", "qua_7"):
                value, text = (None, "no studio") if item.is_open else (3, None)
                repository.record_answer(session, assessment.id, item.theme_id, item.id, value, text, "en", "rest")
        repository.set_status(session, assessment.id, "completed")
    _, messages = run_action("action_summary", tracker("show my results", "show_summary"))
    summary = next(m["custom"]["sedia_summary"] for m in messages if m.get("custom"))
    assert summary["complete"] is True and summary["index"] == 50


def test_the_erasure_report_counts_in_the_singular_and_plural(sqlite_url):
    rid = consent()
    with session_scope() as session:
        assessment = repository.start_assessment(session, rid, "rest", 2)
        repository.record_answer(session, assessment.id, "training", "trn_1", 4, None, "en", "rest")
    _, messages = run_action("action_forget_me", tracker("yes", "affirm"))
    [report] = [m for m in messages if m.get("response") == "utter_forgotten"]
    assert report["deleted"] == "1 answer, 1 assessment, 0 action plans"
