"""The order of the interview: consent, profile, themes in order, summary."""

from bot.core.instrument import load_instrument
from bot.core.interview import InterviewState, is_complete, next_step

INSTRUMENT = load_instrument()
ALL = frozenset(i.id for i in INSTRUMENT.items)


def ids(theme_id):
    return {i.id for i in INSTRUMENT.theme(theme_id).items}


def test_consent_comes_first_then_profile():
    assert next_step(InterviewState(None, False), INSTRUMENT) == "consent"
    assert next_step(InterviewState(True, False), INSTRUMENT) == "profile"


def test_no_profile_without_consent():
    assert next_step(InterviewState(False, False), INSTRUMENT) == "conceptualisation"


def test_themes_in_order_then_summary():
    answered = set()
    seen = []
    while True:
        step = next_step(InterviewState(True, True, frozenset(answered)), INSTRUMENT)
        if step == "summary":
            break
        seen.append(step)
        answered |= ids(step)
    assert seen == list(INSTRUMENT.theme_ids)
    assert is_complete(frozenset(answered), INSTRUMENT)


def test_resume_goes_to_the_first_theme_with_a_gap():
    answered = ids("conceptualisation") | ids("infrastructure") | {"trn_1"}
    assert next_step(InterviewState(True, True, frozenset(answered)), INSTRUMENT) == "training"


def test_focus_theme_then_summary():
    state = InterviewState(True, True, frozenset(), focus_theme="quality")
    assert next_step(state, INSTRUMENT) == "quality"
    done = InterviewState(True, True, frozenset(ids("quality")), focus_theme="quality")
    assert next_step(done, INSTRUMENT) == "summary"
    assert next_step(InterviewState(True, True, ALL), INSTRUMENT) == "summary"
