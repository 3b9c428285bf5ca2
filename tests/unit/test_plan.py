"""The action plan: ranking, owners, group comparisons and the private, expiring link."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.instrument import load_instrument
from bot.core.messages import message
from bot.core.plan import (
    MAX_ACTIONS,
    MIN_ACTIONS,
    Comparison,
    build_plan,
    checklist_lines,
    good_practice_lines,
    render_markdown,
)
from bot.dashboard.app import plan_response
from bot.guidance import item_step, recommendation, theme_actions
from bot.service import releases, reports
from bot.storage import repository
from bot.storage.db import session_scope
from bot.storage.models import Plan, utcnow
from bot.storage.plans import plan_by_token, save_plan

INSTRUMENT = load_instrument()
OWNERS = {"coordinator", "faculty", "university_management", "training_centre"}


def answers(by_theme, overrides=None):
    values = {item.id: by_theme[item.theme_id] for item in INSTRUMENT.items if not item.is_open}
    values.update(overrides or {})
    return values


def test_gaps_are_ranked_lowest_first_and_ready_themes_are_left_out():
    plan = build_plan(
        answers({"conceptualisation": 5, "training": 2, "infrastructure": 1, "quality": 3, "institutional": 4}),
        INSTRUMENT,
    )
    assert [g.theme.theme_id for g in plan.gaps] == ["infrastructure", "training", "quality"]
    assert [g.theme.level.id for g in plan.gaps] == ["not_ready", "emerging", "developing"]
    assert not plan.all_ready


@pytest.mark.parametrize("level_value", [1, 2, 3, 4])
def test_each_gap_has_three_to_five_owned_actions_led_by_the_study_recommendation(level_value):
    plan = build_plan(answers({t: level_value for t in INSTRUMENT.theme_ids}), INSTRUMENT)
    for gap in plan.gaps:
        assert MIN_ACTIONS <= len(gap.actions) <= MAX_ACTIONS
        assert {a.owner for a in gap.actions} <= OWNERS
        headline = recommendation(gap.theme.theme_id, gap.theme.level.id)
        assert gap.actions[0].text == headline.text
        assert len({a.text.get("en") for a in gap.actions}) == len(gap.actions)


def test_the_lowest_statements_get_their_own_steps():
    plan = build_plan(answers({t: 4 for t in INSTRUMENT.theme_ids}, {"inf_5": 1, "inf_2": 2, "qua_3": 1}), INSTRUMENT)
    infrastructure = next(g for g in plan.gaps if g.theme.theme_id == "infrastructure")
    texts = [a.text.get("en") for a in infrastructure.actions]
    assert texts[1] == item_step("inf_5").text.get("en")  # lowest first, after the headline
    assert texts[2] == item_step("inf_2").text.get("en")


def test_an_emerging_faculty_gets_different_advice_from_a_developing_one():
    emerging = build_plan(
        answers({t: 4 for t in INSTRUMENT.theme_ids}, {i.id: 2 for i in INSTRUMENT.theme("training").scale_items}),
        INSTRUMENT,
    )
    developing = build_plan(
        answers({t: 4 for t in INSTRUMENT.theme_ids}, {i.id: 3 for i in INSTRUMENT.theme("training").scale_items}),
        INSTRUMENT,
    )
    assert emerging.gaps[0].theme.level.id == "emerging" and developing.gaps[0].theme.level.id == "developing"
    assert [a.text for a in emerging.gaps[0].actions] != [a.text for a in developing.gaps[0].actions]


def test_when_everything_is_ready_the_lowest_theme_is_kept_there():
    plan = build_plan(
        answers({"conceptualisation": 5, "training": 5, "infrastructure": 4, "quality": 5, "institutional": 5}),
        INSTRUMENT,
    )
    assert plan.all_ready and [g.theme.theme_id for g in plan.gaps] == ["infrastructure"]
    assert "No theme is below" in render_markdown(plan, INSTRUMENT, "en")


def test_nothing_answered_means_no_plan():
    assert build_plan({item.id: None for item in INSTRUMENT.items if not item.is_open}, INSTRUMENT) is None


def test_every_theme_and_level_has_enough_actions_and_every_statement_a_step():
    for theme in INSTRUMENT.themes:
        for level in INSTRUMENT.levels:
            assert len(theme_actions(theme.id, level.id)) >= MIN_ACTIONS - 1, (theme.id, level.id)
        for item in theme.scale_items:
            step = item_step(item.id)
            assert step.owner in OWNERS and step.text.get("ms") != step.text.get("en")


def test_the_plan_shows_mqa_requirements_apart_from_good_practice_in_both_languages():
    plan = build_plan(answers({t: 2 for t in INSTRUMENT.theme_ids}), INSTRUMENT)
    for language in ("en", "ms"):
        required, good = checklist_lines(language), good_practice_lines(language)
        assert len(required) >= 3 and len(good) >= 3
        text = render_markdown(plan, INSTRUMENT, language)
        requires_at = text.index(f"### {message('mqa.requires', language)}")
        good_at = text.index(f"### {message('mqa.good_practice', language)}")
        assert requires_at < good_at
        # Requirements are ticked off; good practice is not listed as something to tick.
        assert all(requires_at < text.index(f"- [ ] {line}") < good_at for line in required)
        assert all(text.index(f"- {line}") > good_at for line in good)
        assert {"en": "European Training Foundation", "ms": "European Training Foundation"}[language] in good[0]


def test_a_hidden_group_is_named_without_numbers():
    plan = build_plan(
        answers({t: 2 for t in INSTRUMENT.theme_ids}),
        INSTRUMENT,
        [
            Comparison("faculty", "Faculty of Education", 0, None),
            Comparison("institution", "UPM", 6, {"training": 3.3}),
        ],
    )
    text = render_markdown(plan, INSTRUMENT, "en")
    assert "Your faculty (Faculty of Education): not shown, because fewer than 5 respondents" in text
    assert "3.7" not in text and "your institution 3.3" in text


def _completed(session, respondent, institution, faculty, value):
    repository.record_consent(session, respondent, "rest")
    repository.save_profile(
        session, respondent, {"institution": institution, "faculty": faculty, "role": "lecturer", "zone": "central"}
    )
    assessment = repository.start_assessment(session, respondent, "rest", INSTRUMENT.version)
    for item in INSTRUMENT.theme("training").scale_items:
        repository.record_answer(session, assessment.id, "training", item.id, value, None, "en", "rest")
    repository.set_status(session, assessment.id, "completed")
    return assessment.id


def test_plan_comparisons_are_the_published_rows_of_the_same_group(database_url):
    def compared():
        releases.publish()
        with session_scope() as session:
            release = releases.latest(session)
            return {c.group: c for c in reports.plan_comparisons(release, "UPM", "Faculty of Education")}

    with session_scope() as session:
        for n, value in enumerate([1, 2, 3, 4]):
            _completed(session, f"r{n}", "UPM", "Faculty of Education", value)
        _completed(session, "other", "UKM", "Faculty of Education", 5)
    four = compared()
    assert four["faculty"].theme_means is None and four["institution"].theme_means is None
    with session_scope() as session:
        _completed(session, "r5", "UPM", "Faculty of Education", 5)
        for n in range(5):
            _completed(session, f"u{n}", "UKM", "Faculty of Law", 4)
    five = compared()
    assert five["faculty"].respondents == 5 and five["faculty"].theme_means == {"training": pytest.approx(3.0)}
    assert five["institution"].theme_means == {"training": pytest.approx(3.0)}
    # One more answer, and a new release: the faculty's figures stay as they were, so the
    # difference says nothing about the newcomer.
    with session_scope() as session:
        _completed(session, "r6", "UPM", "Faculty of Education", 1)
    assert compared() == five


def test_plan_links_cannot_be_guessed_and_expire(database_url):
    with session_scope() as session:
        assessment_id = _completed(session, "me", "UPM", "Faculty of Education", 2)
        first = save_plan(session, assessment_id, "en", "# Plan <script>alert(1)</script>\n\n- **you**: act")
        second = save_plan(session, assessment_id, "en", "# Plan", lifetime=timedelta(days=30))
        old = save_plan(
            session, assessment_id, "ms", "# Pelan", now=utcnow() - timedelta(days=31), lifetime=timedelta(days=30)
        )
    assert first.token != second.token and len(first.token) >= 43  # 256 random bits
    with session_scope() as session:
        stored = [tuple(row) for row in session.execute(select(Plan.token_hash, Plan.markdown))]
        assert all(first.token not in cell for row in stored for cell in row)
        assert plan_by_token(session, first.token[:-1]) is None
        assert plan_by_token(session, first.token).expired is False
        assert plan_by_token(session, old.token).expired is True
    page = plan_response(first.token)
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    assert b"&lt;script&gt;" in page.body and b"<script>" not in page.body
    assert b"<strong>you</strong>" in page.body
    assert plan_response(first.token + ".md").body.startswith(b"# Plan <script>")
    assert plan_response(old.token).status == 410
    assert plan_response("not-a-real-token").status == 404
