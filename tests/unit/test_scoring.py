"""Theme scores, the readiness index, levels and gaps."""

import pytest

from bot.core.instrument import load_instrument
from bot.core.scoring import score_answers, to_index

INSTRUMENT = load_instrument()


def theme_values(theme_id, values):
    items = INSTRUMENT.theme(theme_id).scale_items
    return {item.id: value for item, value in zip(items, values)}


def test_theme_score_is_the_mean_of_answered_items_and_ignores_not_sure():
    answers = theme_values("training", [5, 4, None, 3, None, 2])
    profile = score_answers(answers, INSTRUMENT)
    training = profile.theme("training")
    total = len(INSTRUMENT.theme("training").scale_items)
    assert training.score == 3.5 and training.answered == 4 and training.total == total
    assert training.level.id == "developing"
    assert profile.theme("quality").score is None and profile.theme("quality").level is None


def test_index_maps_the_mean_of_theme_scores_to_0_100():
    answers = {**theme_values("conceptualisation", [1] * 5), **theme_values("quality", [5] * 6)}
    profile = score_answers(answers, INSTRUMENT)
    assert profile.index == 50
    assert profile.overall_level.id == "developing"
    assert to_index(1, INSTRUMENT) == 0 and to_index(5, INSTRUMENT) == 100 and to_index(3.4, INSTRUMENT) == 60


def test_gaps_are_ranked_lowest_first_with_ties_in_instrument_order():
    answers = {
        **theme_values("conceptualisation", [3] * 5),
        **theme_values("training", [2] * 6),
        **theme_values("infrastructure", [4, 1, 1, 1, 1, 1]),
        **theme_values("quality", [2] * 6),
        **theme_values("institutional", [5] * 5),
    }
    profile = score_answers(answers, INSTRUMENT)
    assert [g.theme_id for g in profile.gaps] == [
        "infrastructure",
        "training",
        "quality",
        "conceptualisation",
        "institutional",
    ]
    assert [g.level.id for g in profile.gaps] == ["not_ready", "emerging", "emerging", "developing", "ready"]
    assert profile.weakest_items[0].item_id == "inf_2"
    assert profile.weakest_items[0].value == 1


def test_nothing_answered_has_no_index():
    profile = score_answers({"con_1": None}, INSTRUMENT)
    assert profile.index is None and profile.gaps == ()


def test_values_off_the_scale_are_refused():
    with pytest.raises(ValueError):
        score_answers({"con_1": 7}, INSTRUMENT)
