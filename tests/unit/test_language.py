"""Which language a message is in, and when Sedia switches."""

import pytest

from bot.core.language import (
    CHOSEN,
    INFERRED,
    choose_language,
    detect_language,
    language_chosen_by,
    requested_language,
)


@pytest.mark.parametrize(
    "text, language",
    [
        ("cakap Bahasa Melayu", "ms"),
        ("BM", "ms"),
        ("tukar ke BM", "ms"),
        ("Malay please", "ms"),
        ("boleh guna bahasa melayu?", "ms"),
        ("English please", "en"),
        ("in English", "en"),
        ("cakap bahasa Inggeris", "en"),
        ("tukar ke English", "en"),
        ('/switch_language{"language": "ms"}', "ms"),
        ('/switch_language{"language": "en"}', "en"),
    ],
)
def test_explicit_requests(text, language):
    assert requested_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "I want to ask about Bahasa Melayu courses",  # names a language, asks no switch
        "Universiti Malaya",
        "Academy of Malay Studies",
        "English or Malay?",
        '/switch_language{"language": "fr"}',
        "",
        "4",
    ],
)
def test_messages_that_are_not_requests(text):
    assert requested_language(text) is None


@pytest.mark.parametrize(
    "text, language",
    [
        ("lecturer kami takde masa nak belajar LMS", "ms"),
        ("studio rakaman selalu penuh, bajet pun tak cukup", "ms"),
        ("Saya pensyarah kanan di UPM", "ms"),
        ("sangat setuju", "ms"),
        ("selamat pagi", "ms"),
        ("our lecturers have no time to learn the LMS", "en"),
        ("hello", "en"),
        ("strongly agree", "en"),
        ("UPM", None),
        ("4", None),
        ("😀", None),
        ('/answer_scale{"scale_value": "not_sure"}', None),
    ],
)
def test_detection(text, language):
    assert detect_language(text) == language


def test_the_first_messages_set_the_language():
    assert choose_language("selamat pagi", None, 1).language == "ms"
    assert choose_language("selamat pagi", None, 1).source == INFERRED
    # A later Malay message still corrects an English guess from the first ones.
    assert choose_language("saya nak mula penilaian", INFERRED, 2).language == "ms"
    assert choose_language("UPM", None, 1) is None


def test_after_the_first_messages_only_a_request_switches():
    assert choose_language("agree", INFERRED, 5) is None
    assert choose_language("saya setuju", INFERRED, 5) is None
    assert choose_language("English please", INFERRED, 9) == choose_language("in English", None, 1)
    assert choose_language("English please", INFERRED, 9).source == CHOSEN


def test_a_chosen_language_is_kept_until_the_next_request():
    assert choose_language("our lecturers have no time", CHOSEN, 1) is None
    assert choose_language("cakap BM", CHOSEN, 2).language == "ms"


def _entities(**values: str) -> list:
    return [{"entity": name, "value": value} for name, value in values.items()]


@pytest.mark.parametrize(
    "entities, intent, from_button, chosen",
    [
        # A typed request: the pipeline marks it chosen, whatever the intent was.
        (_entities(language="ms", language_source=CHOSEN), "switch_language", False, "ms"),
        (_entities(language="en", language_source=CHOSEN), "greet", False, "en"),
        # A language button: its payload carries only the language.
        (_entities(language="ms"), "switch_language", True, "ms"),
        # Inferred from the first messages: no choice to confirm.
        (_entities(language="ms", language_source=INFERRED), "switch_language", False, None),
        # An answer misread as switch_language: the pipeline found no request.
        ([], "switch_language", False, None),
        (_entities(language="ms"), "switch_language", False, None),
        # A button for another intent, or a forged language.
        (_entities(language="ms"), "answer_scale", True, None),
        (_entities(language="fr"), "switch_language", True, None),
        (_entities(language="fr", language_source=CHOSEN), "switch_language", False, None),
    ],
)
def test_the_language_a_parsed_message_chose(entities, intent, from_button, chosen):
    assert language_chosen_by(entities, intent, from_button) == chosen
