"""Reading scale, yes/no and open answers from what users type or press."""

import pytest

from bot.core.answers import (
    ScaleAnswer,
    answered_in_slots,
    parse_open_answer,
    parse_scale_answer,
    parse_yes_no,
    scale_values,
    slot_value,
)
from bot.core.instrument import load_instrument

INSTRUMENT = load_instrument()


@pytest.mark.parametrize(
    "typed, value",
    [
        ("4", 4),
        (" 1 ", 1),
        ("5.", 5),
        ("3/5", 3),
        ("2 out of 5", 2),
        ("4 - agree", 4),
        ("agree", 4),
        ("Agree!", 4),
        ("I agree", 4),
        ("strongly agree", 5),
        ("STRONGLY DISAGREE", 1),
        ("disagree", 2),
        ("don't agree", 2),
        ("neutral", 3),
        ("neither agree nor disagree", 3),
        ("sa", 5),
        ("sd", 1),
        ("strongly agre", 5),
        ('/answer_scale{"scale_value": "2"}', 2),
        ('/answer_scale{"scale_value":"5"}', 5),
    ],
)
def test_scale_answers(typed, value):
    assert parse_scale_answer(typed, INSTRUMENT) == ScaleAnswer(value)


@pytest.mark.parametrize(
    "typed",
    ["not sure", "Not sure.", "don't know", "idk", "n/a", "skip", '/answer_scale{"scale_value": "not_sure"}'],
)
def test_not_sure_is_an_answer_without_a_value(typed):
    answer = parse_scale_answer(typed, INSTRUMENT)
    assert answer == ScaleAnswer(None) and answer.slot_value == "not_sure"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "   ",
        "0",
        "6",
        "45",
        "-1",
        "banana",
        "4 strongly disagree",
        "I don't really agree",
        "I would not agree",
        "yes",
        "what does MQA say?",
        "agree agree agree agree agree agree agree agree",
        '/answer_scale{"scale_value": "9"}',
        '/answer_scale{"scale_value": ',
        "/greet",
    ],
)
def test_anything_else_is_not_an_answer(typed):
    assert parse_scale_answer(typed, INSTRUMENT) is None


@pytest.mark.parametrize(
    "typed, intent, expected",
    [
        ("yes", None, True),
        ("Yes please!", None, True),
        ("ok", None, True),
        ("/affirm", "affirm", True),
        ("setuju", None, True),
        ("no", None, False),
        ("no thanks", None, False),
        ("/deny", "deny", False),
        ("sure thing, go on", "affirm", True),
        ("rather not", "deny", False),
        ("banana", "out_of_scope", None),
        ("", None, None),
    ],
)
def test_yes_no(typed, intent, expected):
    assert parse_yes_no(typed, intent) is expected


def test_open_answers():
    rules = INSTRUMENT.open_rules
    assert parse_open_answer("  Lecturers have no time.\x00 ", rules).text == "Lecturers have no time."
    assert parse_open_answer("skip", rules).text is None
    assert parse_open_answer("No comment", rules).text is None
    for bad in ("", "   ", "😀😀", "!!!", "x" * (rules.max_chars + 1), '/answer_scale{"scale_value": "4"}'):
        assert parse_open_answer(bad, rules) is None


def test_slot_values_round_trip():
    assert slot_value(False, 4, None) == "4"
    assert slot_value(False, None, None) == "not_sure"
    assert slot_value(True, None, "Too little time") == "Too little time"
    assert slot_value(True, None, None) == "skipped"
    slots = {"con_1": "4", "con_2": "not_sure", "con_open": "skipped", "trn_1": None}
    assert scale_values(slots, INSTRUMENT) == {"con_1": 4, "con_2": None}
    assert answered_in_slots(slots, INSTRUMENT) == {"con_1", "con_2", "con_open"}


# ----- Bahasa Melayu ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed, value",
    [
        ("sangat setuju", 5),
        ("Sangat Setuju!", 5),
        ("saya sangat setuju", 5),
        ("amat setuju", 5),
        ("setuju", 4),
        ("saya setuju", 4),
        ("agak setuju", 4),
        ("neutral", 3),
        ("berkecuali", 3),
        ("biasa je", 3),
        ("tidak setuju", 2),
        ("tak setuju", 2),
        ("x setuju", 2),
        ("kurang setuju", 2),
        ("sangat tidak setuju", 1),
        ("sangat tak setuju", 1),
        ("langsung tak setuju", 1),
        ("4 dari 5", 4),
        ("4 - setuju", 4),
    ],
)
def test_malay_scale_answers(typed, value):
    assert parse_scale_answer(typed, INSTRUMENT) == ScaleAnswer(value)


@pytest.mark.parametrize("typed", ["tidak pasti", "Tak pasti.", "tak tahu", "entah", "langkau"])
def test_malay_not_sure(typed):
    assert parse_scale_answer(typed, INSTRUMENT) == ScaleAnswer(None)


@pytest.mark.parametrize(
    "typed",
    ["tak berapa setuju sangat", "4 sangat tidak setuju", "setuju ke tidak", "bukan setuju", "pisang"],
)
def test_unclear_malay_is_not_an_answer(typed):
    assert parse_scale_answer(typed, INSTRUMENT) is None


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("ya", True),
        ("boleh", True),
        ("ya, saya setuju", True),
        ("Tidak, jangan simpan", None),
        ("baik", True),
        ("tidak", False),
        ("tak nak", False),
        ("jangan", False),
        ("tidak setuju", False),
    ],
)
def test_malay_yes_no(typed, expected):
    assert parse_yes_no(typed, None) is expected


def test_malay_skip_of_an_open_question():
    rules = INSTRUMENT.open_rules
    assert parse_open_answer("tiada komen", rules).text is None
    assert parse_open_answer("Takde", rules).text is None
    assert parse_open_answer("Bajet tak cukup untuk studio.", rules).text == "Bajet tak cukup untuk studio."
