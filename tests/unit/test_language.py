"""Which language a message is in, and when Sedia switches."""

import pytest

from bot.core.language import CHOSEN, INFERRED, choose_language, detect_language, requested_language


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
