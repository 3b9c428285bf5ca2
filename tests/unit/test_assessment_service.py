"""The assessment service on both databases: where an assessment lives follows consent,
and each step of its life does the same through either store."""

from sqlalchemy import func, select

from bot.core.instrument import load_instrument
from bot.service import releases
from bot.service.assessments import (
    DatabaseAssessment,
    Paused,
    Person,
    SlotAssessment,
    assessment_for,
    record_consent,
)
from bot.storage import repository
from bot.storage.db import session_scope
from bot.storage.models import Answer, Plan

INSTRUMENT = load_instrument()
SCALE = [item for item in INSTRUMENT.items if not item.is_open]
PERSON = Person("respondent-1", "rest")
PROFILE = {"institution": "Universiti Malaya", "faculty": "Faculty of Education", "role": "lecturer", "zone": "central"}


def all_answered(value: str = "4") -> dict:
    return {item.id: ("Enough time." if item.is_open else value) for item in INSTRUMENT.items}


def test_without_consent_the_slots_hold_everything_and_nothing_is_written(database_url):
    assessment = assessment_for(PERSON, {SCALE[0].id: "2"}, INSTRUMENT)
    assert isinstance(assessment, SlotAssessment) and not assessment.consented
    assessment.record(SCALE[1], 5, None, "en")
    assessment.save_profile(PROFILE)
    assert assessment.open(fresh_start=False).values == {SCALE[0].id: "2"}
    assert assessment.pause() is Paused.PRIVATE
    assert assessment.finish().complete is False
    draft = assessment.draft_plan("en")
    assert draft.markdown and draft.saved is None
    assert assessment.erase()["respondents"] == 0
    with session_scope() as session:
        assert not repository.has_consent(session, PERSON.respondent)
        assert session.execute(select(func.count()).select_from(Answer)).scalar_one() == 0


def test_without_consent_a_new_start_after_a_complete_one_begins_again(database_url):
    assessment = assessment_for(PERSON, all_answered(), INSTRUMENT)
    assert assessment.open(fresh_start=False).is_new is False
    assert assessment.open(fresh_start=True).values == {} and assessment.open(fresh_start=True).is_new
    assert assessment_for(PERSON, {}, INSTRUMENT).pause() is Paused.NOTHING


def test_with_consent_the_database_holds_the_assessment_from_start_to_plan(database_url):
    record_consent(PERSON)
    assessment = assessment_for(PERSON, {SCALE[0].id: "1"}, INSTRUMENT)  # slots are not read
    assert isinstance(assessment, DatabaseAssessment) and assessment.consented
    assessment.save_profile(PROFILE)
    assert assessment.stored_profile() == PROFILE
    opened = assessment.open(fresh_start=True)
    assert opened.is_new and opened.values == {}
    assessment.record(SCALE[0], 4, None, "ms")
    assessment.record(SCALE[0], 2, None, "ms")  # a changed answer replaces the first
    assert assessment.pause() is Paused.STORED
    resumed = assessment.open(fresh_start=False)
    assert resumed.values == {SCALE[0].id: "2"} and not resumed.is_new
    with session_scope() as session:
        assert repository.current_assessment(session, PERSON.respondent).status == "started"
    assert assessment.finish().complete is False
    for item in INSTRUMENT.items:
        assessment.record(item, None if item.is_open else 3, "Enough time." if item.is_open else None, "en")
    finished = assessment.finish()
    assert finished.complete and finished.values[SCALE[0].id] == "3"
    with session_scope() as session:
        assert repository.current_assessment(session, PERSON.respondent) is None
        assert repository.latest_completed(session, PERSON.respondent) is not None
    draft = assessment.draft_plan("ms")
    assert draft.saved is not None and draft.markdown
    with session_scope() as session:
        assert session.execute(select(Plan.language)).scalars().all() == ["ms"]
    assert assessment.pause() is Paused.NOTHING  # nothing open any more


def test_erasing_removes_everything_and_the_next_turn_has_no_consent(database_url):
    record_consent(PERSON)
    assessment = assessment_for(PERSON, {}, INSTRUMENT)
    assessment.save_profile(PROFILE)
    assessment.record(SCALE[0], 4, None, "en")
    counts = assessment.erase()
    assert counts["respondents"] == 1 and counts["answers"] == 1 and counts["assessments"] == 1
    assert isinstance(assessment_for(PERSON, {}, INSTRUMENT), SlotAssessment)


def test_a_plan_is_compared_with_groups_big_enough_to_show(database_url):
    others = [Person(f"colleague-{n}", "rest") for n in range(5)]
    for person in [*others, PERSON]:
        record_consent(person)
        assessment = assessment_for(person, {}, INSTRUMENT)
        assessment.save_profile(PROFILE)
        for item in INSTRUMENT.items:
            assessment.record(item, None if item.is_open else 2, "Enough time." if item.is_open else None, "en")
        assert assessment.finish().complete
    # Before any release there is nothing published to compare with.
    assert "How your scores compare" not in assessment_for(PERSON, {}, INSTRUMENT).draft_plan("en").markdown
    releases.publish()
    markdown = assessment_for(PERSON, {}, INSTRUMENT).draft_plan("en").markdown
    assert "Your faculty (Faculty of Education, 6 respondents)" in markdown
    assert "Your institution (Universiti Malaya, 6 respondents)" in markdown
    assert "not shown" not in markdown
