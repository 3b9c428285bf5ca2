"""Every command the README lists works inside every form, typed or pressed, in both languages.

Inside a form each message reaches the form's validation first, so a command that it
does not know gets the question's hint instead ("Please answer with a number ..."). That
was how "delete my data" was lost mid-interview (issue 16).
"""

from typing import Dict, List, Optional, Tuple

import pytest

from bot.core.instrument import load_instrument
from bot.core.messages import message
from bot.rasa_glue.domain import CONSENT_FORM, EDIT_PROFILE_STEP, PROFILE_FORM, STEP_SLOT
from bot.storage import repository
from bot.storage.db import session_scope
from tests.actions.test_form_validation import consent, tracker, validate

INSTRUMENT = load_instrument()
SENDER = "tester"

# (form validation, the slot it is asking for)
FORMS: List[Tuple[str, str]] = [(f"validate_{CONSENT_FORM}", "consent"), (f"validate_{PROFILE_FORM}", "institution")]
for _theme in INSTRUMENT.themes:
    FORMS.append((f"validate_{_theme.form_name}", _theme.scale_items[0].id))
    FORMS.append((f"validate_{_theme.form_name}", _theme.open_item.id))

# command -> (intent, typed in English, typed in Malay, button payload)
COMMANDS: Dict[str, Tuple[str, str, str, str]] = {
    "stop": ("pause_assessment", "stop", "berhenti", "/pause_assessment"),
    "help": ("help", "help", "tolong", "/help"),
    "why": ("ask_why", "why?", "kenapa?", "/ask_why"),
    "change my profile": ("update_profile", "change my profile", "tukar profil saya", "/update_profile"),
    "delete my data": ("forget_me", "delete my data", "padam data saya", "/forget_me"),
    "show my plan": ("show_plan", "show my plan", "tunjukkan pelan saya", "/show_plan"),
    "switch language": ("switch_language", "Bahasa Melayu please", "cakap BM", '/switch_language{"language": "ms"}'),
}
WAYS = [("en", "typed"), ("ms", "typed"), ("en", "button"), ("ms", "button")]


def _hints(slot: str, language: str) -> List[str]:
    if slot == "consent":
        return ["utter_consent_hint"]
    if slot in INSTRUMENT.profile.field_ids:
        return [INSTRUMENT.profile.field(slot).hint.get(language)]
    item = INSTRUMENT.item(slot)
    rules = INSTRUMENT.open_rules.hint if item.is_open else INSTRUMENT.scale.hint
    return [rules.get(language)]


def _said(messages: List[dict]) -> List[str]:
    return [m.get("response") or m.get("text") or "" for m in messages]


def _send(form: str, slot: str, command: str, language: str, way: str, slots: Optional[dict] = None):
    intent, english, malay, payload = COMMANDS[command]
    text = payload if way == "button" else {"en": english, "ms": malay}[language]
    confidence = 1.0 if way == "button" else 0.95
    return validate(
        form,
        slot,
        tracker(
            text, intent, {"language": language, **(slots or {})}, requested=slot, confidence=confidence, sender=SENDER
        ),
    )


@pytest.mark.parametrize("language, way", WAYS)
@pytest.mark.parametrize("form, slot", FORMS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_inside_a_form_gets_its_own_reply_not_the_hint(sqlite_url, command, form, slot, language, way):
    if slot != "consent":
        consent(SENDER)
    slots, messages = _send(form, slot, command, language, way)
    said = _said(messages)
    assert slots.get(slot) is None, "a command is never stored as an answer"
    assert not set(said) & set(_hints(slot, language)), (command, said)
    if command == "stop":
        assert slots[STEP_SLOT] == "paused" and slots["requested_slot"] is None
    elif command == "help":
        assert "utter_help_in_form" in said
    elif command == "why":
        responses = {"consent": "utter_why_consent", "institution": "utter_why_profile"}
        assert (responses.get(slot) or INSTRUMENT.item(slot).why.get(language)) in said
    elif command == "change my profile":
        assert slots[STEP_SLOT] == EDIT_PROFILE_STEP and slots["requested_slot"] is None
    elif command == "delete my data":
        if slot == "consent":
            assert "utter_nothing_to_forget" in said  # nothing is stored before consent
        else:
            assert "utter_confirm_forget" in said and slots["forget_pending"] is True
    elif command == "show my plan":
        assert message("plan.nothing_yet", language) in said
    elif command == "switch language":
        assert said and slots.get("language", "ms") == "ms"


@pytest.mark.parametrize("language", ["en", "ms"])
@pytest.mark.parametrize("form, slot", [f for f in FORMS if f[1] != "consent"])
def test_delete_my_data_confirmed_inside_a_form_erases_everything_and_ends_the_form(sqlite_url, form, slot, language):
    rid = consent(SENDER)
    with session_scope() as session:
        assessment = repository.start_assessment(session, rid, "rest", INSTRUMENT.version)
        repository.record_answer(session, assessment.id, "training", "trn_1", 4, None, language, "rest")
    slots, _ = _send(form, slot, "delete my data", language, "typed")
    assert slots["forget_pending"] is True
    yes = {"en": "yes", "ms": "ya"}[language]
    slots, messages = validate(
        form,
        slot,
        tracker(yes, "affirm", {"language": language, "forget_pending": True}, requested=slot, sender=SENDER),
    )
    said = _said(messages)
    assert "utter_forgotten" in said and not set(said) & set(_hints(slot, language))
    assert slots["requested_slot"] is None and slots[STEP_SLOT] == "paused" and slots["forget_pending"] is False
    assert slots["consent"] is None and slots["trn_1"] is None
    with session_scope() as session:
        assert not repository.has_consent(session, rid) and repository.current_assessment(session, rid) is None


@pytest.mark.parametrize("form, slot", [f for f in FORMS if f[1] != "consent"])
def test_no_to_delete_my_data_keeps_everything_and_asks_the_question_again(sqlite_url, form, slot):
    rid = consent(SENDER)
    slots, messages = validate(
        form, slot, tracker("no", "deny", {"forget_pending": True}, requested=slot, sender=SENDER)
    )
    assert "utter_forget_cancelled" in _said(messages)
    assert slots == {slot: None, "forget_pending": False}
    with session_scope() as session:
        assert repository.has_consent(session, rid)


def test_an_answer_after_the_erasure_question_is_an_answer_and_the_question_lapses(sqlite_url):
    consent(SENDER)
    item = INSTRUMENT.theme("training").scale_items[0]
    slots, messages = validate(
        f"validate_{INSTRUMENT.theme('training').form_name}",
        item.id,
        tracker("4", "answer_scale", {"forget_pending": True}, requested=item.id, sender=SENDER),
    )
    assert slots[item.id] == "4" and slots["forget_pending"] is False and messages == []


@pytest.mark.parametrize("intent", ["forget_me", "update_profile"])
def test_an_unsure_guess_at_a_destructive_command_gets_the_hint(sqlite_url, intent):
    # "banana" read as forget_me at 0.4 must not offer to erase anything.
    consent(SENDER)
    item = INSTRUMENT.theme("training").scale_items[0]
    slots, messages = validate(
        f"validate_{INSTRUMENT.theme('training').form_name}",
        item.id,
        tracker("banana", intent, requested=item.id, confidence=0.4, sender=SENDER),
    )
    assert _said(messages) == [INSTRUMENT.scale.hint.get("en")]
    assert slots == {item.id: None}


@pytest.mark.parametrize("text", ["banana", "pisang goreng", "lorem ipsum"])
@pytest.mark.parametrize("open_question", [False, True])
def test_a_stray_word_the_nlu_reads_as_forget_me_is_not_a_command(sqlite_url, text, open_question):
    # The trained NLU reads "banana" as forget_me at 0.97: the words must name the command.
    consent(SENDER)
    theme = INSTRUMENT.theme("training")
    item = theme.open_item if open_question else theme.scale_items[0]
    slots, messages = validate(
        f"validate_{theme.form_name}",
        item.id,
        tracker(text, "forget_me", requested=item.id, confidence=0.97, sender=SENDER),
    )
    assert "utter_confirm_forget" not in _said(messages) and "forget_pending" not in slots
    if open_question:
        assert slots[item.id]  # it is an answer like any other
    else:
        assert _said(messages)[-1] == INSTRUMENT.scale.hint.get("en") and slots == {item.id: None}


@pytest.mark.parametrize("language, farewell", [("en", "bye for now"), ("ms", "jumpa lagi nanti")])
@pytest.mark.parametrize("form, slot", FORMS)
def test_a_farewell_inside_a_form_pauses_the_interview_and_is_never_stored(sqlite_url, form, slot, language, farewell):
    if slot != "consent":
        consent(SENDER)
    slots, messages = validate(
        form, slot, tracker(farewell, "goodbye", {"language": language}, requested=slot, sender=SENDER)
    )
    assert slots.get(slot) is None
    assert slots[STEP_SLOT] == "paused" and slots["requested_slot"] is None
    assert not set(_said(messages)) & set(_hints(slot, language))
