"""Guidance data is complete and the summary shows scores, levels and two recommendations."""

from bot.core.instrument import load_instrument
from bot.core.scoring import score_answers
from bot.core.summary import render_summary
from bot.guidance import all_recommendations, theme_guidance

INSTRUMENT = load_instrument()
OWNERS = {"coordinator", "faculty", "university_management", "training_centre"}


def test_every_theme_has_guidance_and_a_recommendation_per_level():
    recommendations = all_recommendations()
    assert set(recommendations) == set(INSTRUMENT.theme_ids)
    for theme_id, by_level in recommendations.items():
        assert theme_guidance(theme_id).get("en")
        assert set(by_level) == {level.id for level in INSTRUMENT.levels}
        for rec in by_level.values():
            assert rec.owner in OWNERS and rec.text.get("en") and rec.provenance.kind in ("study", "sedia")
        # Graded: each level gets its own advice.
        assert len({r.text.get("en") for r in by_level.values()}) == len(by_level)


def _values(levels):
    values = {}
    for theme_id, value in levels.items():
        values.update({item.id: value for item in INSTRUMENT.theme(theme_id).scale_items})
    return values


def test_summary_lists_every_theme_and_advises_on_the_two_largest_gaps():
    answers = _values({"conceptualisation": 4, "training": 1, "infrastructure": 2, "quality": 3, "institutional": 5})
    text = render_summary(score_answers(answers, INSTRUMENT), INSTRUMENT, "en", complete=True)
    for theme in INSTRUMENT.themes:
        assert theme.name.get("en") in text
    assert "Readiness index: **50/100** (Developing)" in text
    assert "- Training and development: 1.0/5 (Not ready)" in text
    recs = all_recommendations()
    assert recs["training"]["not_ready"].text.get("en") in text
    assert recs["infrastructure"]["emerging"].text.get("en") in text
    assert recs["quality"]["developing"].text.get("en") not in text
    assert "Source: Md Rami et al. (2024)" in text


def test_summary_when_everything_is_ready_or_unanswered():
    ready = render_summary(score_answers(_values({"quality": 5}), INSTRUMENT), INSTRUMENT, "en", complete=False)
    assert "so far" in ready and "not answered yet" in ready and "Ready" in ready
    assert all_recommendations()["quality"]["ready"].text.get("en") in ready
    nothing = render_summary(score_answers({}, INSTRUMENT), INSTRUMENT, "en", complete=False)
    assert "nothing to score" in nothing
