"""What a ranking of themes means for the reply (bot/core/theme_reading.py)."""

from bot.core.theme_reading import SECOND_THEME_MIN, ThemeReading, likeliest_two, read_themes


def _ranking(*pairs):
    return [{"name": name, "confidence": score} for name, score in pairs]


def test_a_second_theme_counts_from_the_threshold_up_and_never_repeats_the_first():
    at = _ranking(("theme_training", 0.6), ("theme_institutional", SECOND_THEME_MIN))
    below = _ranking(("theme_training", 0.6), ("theme_institutional", SECOND_THEME_MIN - 0.01))
    assert read_themes("training", at) == ThemeReading("training", "institutional")
    assert read_themes("training", below) == ThemeReading("training")
    # A button's theme is the first, even when the ranking put another theme on top.
    chosen = _ranking(("theme_quality", 0.5), ("theme_training", 0.4))
    assert read_themes("training", chosen) == ThemeReading("training", "quality")


def test_intents_that_are_not_themes_are_skipped():
    ranking = _ranking(("theme_training", 0.5), ("ask_mqa", 0.4), ("theme_quality", 0.1))
    assert read_themes("training", ranking) == ThemeReading("training")
    assert read_themes("training", []) == ThemeReading("training")


def test_the_two_likeliest_themes_are_offered_only_when_the_ranking_starts_with_two_themes():
    fallback = _ranking(("nlu_fallback", 0.35), ("theme_quality", 0.45), ("theme_infrastructure", 0.41))
    assert likeliest_two(fallback) == ("quality", "infrastructure")
    assert likeliest_two(_ranking(("nlu_fallback", 0.75), ("ask_mqa", 0.6), ("theme_quality", 0.3))) is None
    assert likeliest_two(_ranking(("theme_quality", 0.9))) is None


def test_an_intent_names_its_theme_only_when_it_is_a_themes_intent():
    from bot.core.instrument import load_instrument

    instrument = load_instrument()
    assert [instrument.theme_of_intent(t.intent_name) for t in instrument.themes] == list(instrument.theme_ids)
    assert instrument.theme_of_intent("ask_mqa") is None and instrument.theme_of_intent(None) is None
