"""The paragraph evaluation set has the shape issue 18 asks for, never leaks into data/, and
its figures are computed as documented."""

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.nlp.paragraph_set import (
    MAX_WORDS,
    MIN_WORDS,
    PARAGRAPH_GROUPS,
    Paragraph,
    ParagraphPrediction,
    expected_calibration_error,
    paragraphs,
    score_paragraphs,
    theme_ids,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
ALL = paragraphs()


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@pytest.mark.parametrize("group", PARAGRAPH_GROUPS)
def test_each_language_has_sixty_long_labelled_messages_a_third_with_two_themes(group):
    mine = [p for p in ALL if p.group == group]
    assert len(mine) >= 60
    assert all(MIN_WORDS <= p.words <= MAX_WORDS for p in mine), [p.text for p in mine if not 30 <= p.words <= 120]
    assert {p.primary for p in mine} == set(theme_ids())
    assert all(p.secondary in (None, *theme_ids()) and p.secondary != p.primary for p in mine)
    two_themes = sum(p.secondary is not None for p in mine)
    assert 0.30 <= two_themes / len(mine) <= 0.45
    # No theme dominates: the macro F1 would hide a theme with a handful of messages.
    assert min(Counter(p.primary for p in mine).values()) >= 10
    # Several sentences each, as people write, not one long clause.
    assert sum(len(re.findall(r"[.?!]", p.text)) >= 2 for p in mine) >= 0.9 * len(mine)


def test_no_sentence_of_the_set_appears_in_the_training_data():
    trained = _normal(" ".join(path.read_text(encoding="utf-8") for path in DATA_DIR.rglob("*.yml")))
    leaked = []
    for paragraph in ALL:
        for sentence in re.split(r"(?<=[.?!])\s+", paragraph.text):
            words = _normal(sentence).split()
            # Runs of eight words: long enough to be the set's own, short enough to catch a
            # sentence copied with a small change elsewhere in it.
            for start in range(0, max(1, len(words) - 7)):
                run = " ".join(words[start : start + 8])
                if len(words) >= 8 and run in trained:
                    leaked.append(run)
    assert not leaked, leaked[:5]


def _prediction(primary: str, *ranking) -> ParagraphPrediction:
    return ParagraphPrediction(Paragraph("x", primary, None, "en"), tuple(ranking))


def test_scores_count_non_theme_intents_as_wrong_and_look_at_the_top_two():
    predictions = [
        _prediction("training", ("theme_training", 0.9), ("theme_quality", 0.1)),
        _prediction("quality", ("ask_mqa", 0.6), ("theme_quality", 0.3)),
        _prediction("infrastructure", ("theme_quality", 0.5), ("ask_mqa", 0.3), ("theme_infrastructure", 0.2)),
        _prediction("institutional", ("theme_institutional", 0.7)),
    ]
    scores = score_paragraphs(predictions, "en")
    assert scores.top2_recall == 0.75
    assert scores.wrong == 2
    assert scores.right_confidence == pytest.approx(0.8)
    assert scores.wrong_confidence == pytest.approx(0.55)
    assert scores.confidence_gap == pytest.approx(0.25)
    # training and institutional right (F1 1), quality and infrastructure missed (F1 0),
    # conceptualisation has no message and no prediction (F1 0 under zero_division).
    assert scores.f1["training"] == 1.0 and scores.f1["quality"] == 0.0
    assert scores.macro_f1 == pytest.approx(2 / 5)
    assert score_paragraphs(predictions, "ms") is None


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    right = [_prediction("training", ("theme_training", 0.75)) for _ in range(3)]
    wrong = [_prediction("training", ("theme_quality", 0.75))]
    assert expected_calibration_error(right + wrong) == pytest.approx(0.0)
    overconfident = [_prediction("training", ("theme_quality", 1.0)) for _ in range(4)]
    assert expected_calibration_error(overconfident) == pytest.approx(1.0)
