"""Unusable messages are recognised, whatever they contain."""

import pytest

from bot.core.input_checks import MAX_MESSAGE_CHARS, InputProblem, clean_text, find_problem


@pytest.mark.parametrize(
    "text, problem",
    [
        (None, InputProblem.EMPTY),
        ("", InputProblem.EMPTY),
        ("  \n\t ", InputProblem.EMPTY),
        ("\x00\x01\x7f", InputProblem.EMPTY),
        ("\x1b[31m\x1b[0m", InputProblem.EMPTY),
        ("\u200b\u200d", InputProblem.EMPTY),
        ("x" * (MAX_MESSAGE_CHARS + 1), InputProblem.TOO_LONG),
        ("😀😀🎉", InputProblem.NO_WORDS),
        ("?!... ---", InputProblem.NO_WORDS),
        ("வணக்கம் எப்படி இருக்கிறீர்கள்", InputProblem.OTHER_SCRIPT),
        ("你好，请问什么是微证书", InputProblem.OTHER_SCRIPT),
        ("مرحبا كيف حالك", InputProblem.OTHER_SCRIPT),
    ],
)
def test_problems(text, problem):
    assert find_problem(text) is problem


@pytest.mark.parametrize(
    "text",
    [
        "4",
        "agree",
        "Hello Sedia 😀",
        "x" * MAX_MESSAGE_CHARS,
        "café résumé naïve",
        "lecturer kami takde masa",
        "UPM 你好 lecturers",
    ],
)
def test_usable_messages(text):
    assert find_problem(text) is None


def test_clean_text_keeps_words_and_drops_controls():
    assert clean_text("  Hello\x00 \x1b[1mworld\x1b[0m\r\n again ") == "Hello world again"
