"""Counted nouns agree with their number, and each question shows its place in its theme."""

import pytest

from bot.core.instrument import load_instrument
from bot.core.messages import counted, counted_list

INSTRUMENT = load_instrument()


@pytest.mark.parametrize(
    "noun, count, language, expected",
    [
        ("answers", 1, "en", "1 answer"),
        ("answers", 2, "en", "2 answers"),
        ("answers", 0, "en", "0 answers"),
        ("assessments", 1, "en", "1 assessment"),
        ("plans", 1, "en", "1 action plan"),
        ("plans", 3, "en", "3 action plans"),
        ("answers", 1, "ms", "1 jawapan"),
        ("assessments", 4, "ms", "4 penilaian"),
        ("plans", 1, "ms", "1 pelan tindakan"),
    ],
)
def test_a_count_takes_the_singular_only_for_one(noun, count, language, expected):
    assert counted(noun, count, language) == expected


def test_an_erasure_report_reads_naturally_in_both_languages():
    counts = {"answers": 1, "assessments": 1, "plans": 0}
    assert counted_list(counts, "en") == "1 answer, 1 assessment, 0 action plans"
    assert counted_list(counts, "ms") == "1 jawapan, 1 penilaian, 0 pelan tindakan"


@pytest.mark.parametrize("language, word", [("en", "of"), ("ms", "daripada")])
def test_each_question_is_numbered_within_its_own_theme(language, word):
    for theme in INSTRUMENT.themes:
        name = theme.name.get(language)
        for position, item in enumerate(theme.items, start=1):
            mark = INSTRUMENT.progress_mark(item, language)
            assert mark == f"({name}, {position} {word} {len(theme.items)})"
    # A user who starts with one theme sees its first question as the first, not "(7/33)".
    first_training = INSTRUMENT.theme("training").items[0]
    assert INSTRUMENT.progress_mark(first_training, "en").startswith("(Training and development, 1 of ")
