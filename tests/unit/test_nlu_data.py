"""The NLU data covers both languages and code-mixing, and the held-out split stays unseen."""

from collections import Counter

import pytest

from bot.core.language import detect_language
from bot.nlp.evaluate import LANGUAGE_GROUPS, folds, holdout_examples, training_examples
from bot.nlp.long_examples import long_examples
from bot.nlp.paragraph_themes import is_paragraph

TRAINING = training_examples()
HOLDOUT = holdout_examples()
LONG = long_examples()
THEMES = sorted({e.intent for e in TRAINING if e.intent.startswith("theme_")})
MIN_MALAY_PER_THEME = 30


def test_five_theme_intents():
    assert len(THEMES) == 5


@pytest.mark.parametrize("theme", THEMES)
def test_each_theme_intent_has_enough_malay_and_code_mixed_examples(theme):
    counts = Counter(e.group for e in TRAINING if e.intent == theme)
    assert counts["ms"] >= MIN_MALAY_PER_THEME
    assert counts["mixed"] >= 10
    assert counts["en"] >= MIN_MALAY_PER_THEME


def test_every_intent_has_malay_examples():
    intents = {e.intent for e in TRAINING}
    malay = {e.intent for e in TRAINING if e.group == "ms"}
    assert intents - malay == set()


def test_the_issue_examples_are_understood_as_training_data():
    texts = {e.text for e in TRAINING}
    assert "lecturer kami takde masa nak belajar LMS" in texts
    assert "studio rakaman selalu penuh, bajet pun tak cukup" in texts


def test_held_out_messages_are_never_trained_on():
    normalised = {" ".join(e.text.lower().split()) for e in TRAINING}
    leaked = [e.text for e in HOLDOUT if " ".join(e.text.lower().split()) in normalised]
    assert leaked == []


def test_held_out_split_covers_every_theme_in_every_language():
    for group in LANGUAGE_GROUPS:
        counts = Counter(e.intent for e in HOLDOUT if e.group == group)
        for theme in THEMES:
            assert counts[theme] >= 8, (group, theme)


@pytest.mark.parametrize("group", ["en", "ms"])
def test_examples_are_filed_under_their_language(group):
    # A Malay sentence in the English folder (or the reverse) would blur the per-language
    # scores; code-mixed ones belong in mixed/.
    other = {"en": "ms", "ms": "en"}[group]
    misfiled = [e.text for e in [*TRAINING, *HOLDOUT, *LONG] if e.group == group and detect_language(e.text) == other]
    assert misfiled == []


def test_folds_are_stratified_and_disjoint():
    splits = folds(TRAINING, 5)
    tested = [i for _, test in splits for i in test]
    assert sorted(tested) == list(range(len(TRAINING)))
    for train, test in splits:
        assert not set(train) & set(test)
        themes_tested = Counter(TRAINING[i].intent for i in test if TRAINING[i].group == "ms")
        assert all(themes_tested[t] >= 5 for t in THEMES)


def test_long_examples_are_long_cover_every_theme_in_every_language_and_stay_out_of_diets_data():
    assert all(is_paragraph(e.text) for e in LONG)
    counts = Counter((e.group, e.intent) for e in LONG)
    assert all(counts[(group, theme)] >= 30 for group in LANGUAGE_GROUPS for theme in THEMES), counts
    # DIET learns short messages only: a long message there blurred its themes (README).
    assert [e.text for e in TRAINING if len(e.text.split()) >= 30] == []
