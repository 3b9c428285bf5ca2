"""A scale button answers only its own statement (issue 16, bug 4).

Before, a scale button carried only its value, so a press under an old message (or an
old Telegram keyboard after a restart) answered whatever question was current.
"""

import pytest

from bot.channels.telegram_format import CALLBACK_DATA_LIMIT, CallbackPayloads
from bot.core.answers import parse_scale_answer, scale_button_item
from bot.core.instrument import LANGUAGES, load_instrument
from bot.core.messages import message
from bot.rasa_glue.domain import ask_responses, scale_buttons
from tests.actions.test_form_validation import consent, stored, tracker, validate

INSTRUMENT = load_instrument()
FORM = "validate_training_form"


def press(item_id: str, value: str) -> str:
    return f'/answer_scale{{"scale_value": "{value}", "scale_item": "{item_id}"}}'


def test_every_scale_button_names_its_statement_and_fits_telegram_callback_data():
    responses = ask_responses(INSTRUMENT)
    for item in INSTRUMENT.items:
        if item.is_open:
            continue
        for variation in responses[f"utter_ask_{item.id}"]:
            for button in variation["buttons"]:
                payload = button["payload"].replace("{{", "{").replace("}}", "}")
                assert scale_button_item(payload) == item.id
                assert parse_scale_answer(payload, INSTRUMENT) is not None
                # Carried as it is, not by an in-memory key, so it survives a restart.
                assert len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT
                assert CallbackPayloads().data_for(payload) == payload


def test_typed_answers_and_old_buttons_name_no_statement():
    assert scale_button_item("4") is None
    assert scale_button_item('/answer_scale{"scale_value": "4"}') is None
    assert scale_buttons(INSTRUMENT, "trn_1", "en")[0]["payload"] == press("trn_1", "1")


def test_a_press_for_the_statement_asked_answers_it(sqlite_url):
    rid = consent()
    slots, messages = validate(FORM, "trn_2", tracker(press("trn_2", "4"), "answer_scale", requested="trn_2"))
    assert slots == {"trn_2": "4"} and messages == []
    assert stored(rid) == {"trn_2": 4}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_press_under_an_answered_statement_is_refused_and_changes_nothing(sqlite_url, language):
    rid = consent()
    validate(FORM, "trn_1", tracker("2", "answer_scale", requested="trn_1", slots={"language": language}))
    # trn_2 is being asked; the user presses "5" under trn_1's old message.
    slots, messages = validate(
        FORM,
        "trn_2",
        tracker(press("trn_1", "5"), "answer_scale", requested="trn_2", slots={"trn_1": "2", "language": language}),
    )
    assert slots == {"trn_2": None}
    assert [m["text"] for m in messages] == [message("scale_button.answered_already", language)]
    assert stored(rid) == {"trn_1": 2}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_press_for_a_statement_still_unanswered_answers_that_one(sqlite_url, language):
    rid = consent()
    slots, messages = validate(
        FORM, "trn_2", tracker(press("trn_4", "3"), "answer_scale", requested="trn_2", slots={"language": language})
    )
    assert slots == {"trn_2": None, "trn_4": "3"}
    place = INSTRUMENT.progress_mark(INSTRUMENT.item("trn_4"), language)
    assert [m["text"] for m in messages] == [message("scale_button.recorded_other", language, place=place)]
    assert place in messages[0]["text"]
    assert stored(rid) == {"trn_4": 3}


@pytest.mark.parametrize(
    "payload",
    [
        press("old_9", "4"),  # a statement this instrument does not have
        press("trn_6", "4"),  # the open question has no scale
        press("trn_4", "9"),  # not a point of the scale
    ],
)
def test_a_press_that_cannot_be_an_answer_is_refused(sqlite_url, payload):
    rid = consent()
    open_id = INSTRUMENT.theme("training").open_item.id
    payload = payload.replace("trn_6", open_id)
    slots, messages = validate(FORM, "trn_2", tracker(payload, "answer_scale", requested="trn_2"))
    assert slots == {"trn_2": None}
    assert [m["text"] for m in messages] == [message("scale_button.unknown", "en")]
    assert stored(rid) == {}
