"""Published releases: what a new release may change, and that reports read only releases."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.service import releases, reports
from bot.service.releases import PEOPLE, held_back
from bot.storage.db import session_scope
from bot.storage.models import Release
from bot.storage.readiness_queries import LiveStats, Scope
from bot.storage.repository import erase_respondent
from tests.dashboard_seed import Person, seed

UM, UPM = "Universiti Malaya", "Universiti Putra Malaysia"
FACULTY = (UM, "groups", "faculty")


def _key(table, group):
    return (table, f'"{group}"')


def test_a_row_moved_by_fewer_than_the_minimum_keeps_its_figures():
    moved = {_key(FACULTY, "A"): {PEOPLE: 1}, _key(FACULTY, "B"): {PEOPLE: 0}}
    assert held_back(moved) == {_key(FACULTY, "A")}


def test_a_theme_moved_by_few_people_holds_the_row_back_even_when_many_came():
    # Five newcomers, of whom one placed themselves on the quality scale.
    moved = {_key(FACULTY, "A"): {PEOPLE: 5, "quality": 1}}
    assert held_back(moved) == {_key(FACULTY, "A")}


def test_held_back_changes_in_a_family_add_up_to_the_minimum_or_more_rows_wait():
    moved = {
        _key(FACULTY, "A"): {PEOPLE: 6},
        _key(FACULTY, "B"): {PEOPLE: 5},
        _key(FACULTY, "C"): {PEOPLE: 2},
    }
    # The institution's change minus A's and B's would be C's two people: B waits too.
    assert held_back(moved) == {_key(FACULTY, "B"), _key(FACULTY, "C")}
    # Rows of different institutions' breakdowns are not one family.
    other = {_key(FACULTY, "A"): {PEOPLE: 6}, _key((UPM, "groups", "faculty"), "C"): {PEOPLE: 2}}
    assert held_back(other) == {_key((UPM, "groups", "faculty"), "C")}


def test_a_month_across_institutions_is_a_family():
    month = '"2026-11"'
    moved = {((UM, "groups", "month"), month): {PEOPLE: 7}, ((UPM, "groups", "month"), month): {PEOPLE: 3}}
    assert held_back(moved) == {((UM, "groups", "month"), month), ((UPM, "groups", "month"), month)}


def _published_overview(group_by=None, institution=UM):
    with session_scope() as session:
        release = releases.latest(session)
    return reports.overview(release, Scope(institution=institution), group_by)


def test_reports_change_only_when_enough_people_changed(database_url):
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(6)])
    releases.publish()
    first = _published_overview("faculty")
    assert first["total"]["respondents"] == 6
    seed([Person(UM, "Faculty of Education", value=1)])
    releases.publish()
    # Live, the newcomer moves the mean; published, nothing moves.
    with session_scope() as session:
        live = reports.overview(LiveStats(session), Scope(institution=UM))
    assert live["total"]["themes"][0]["mean"] != first["total"]["themes"][0]["mean"]
    assert _published_overview("faculty") == first
    seed([Person(UM, "Faculty of Education", value=1) for _ in range(4)])
    releases.publish()
    now = _published_overview("faculty")
    assert now["total"]["respondents"] == 11
    assert now["total"]["themes"][0]["mean"] == round((6 * 4 + 5 * 1) / 11, 2)


def test_a_new_small_group_is_listed_as_suppressed_until_it_reaches_the_minimum(database_url):
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(6)])
    seed([Person(UM, "Faculty of Law", value=2) for _ in range(2)])
    releases.publish()
    groups = {g["group"]: g for g in _published_overview("faculty")["groups"]}
    assert groups["Faculty of Law"]["suppressed"] is True
    seed([Person(UM, "Faculty of Law", value=2) for _ in range(3)])
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(5)])
    releases.publish()
    groups = {g["group"]: g for g in _published_overview("faculty")["groups"]}
    assert groups["Faculty of Law"]["suppressed"] is False and groups["Faculty of Law"]["respondents"] == 5


def test_an_erased_person_leaves_the_figures_with_the_next_change_of_enough_people(database_url):
    people = [Person(UM, "Faculty of Education", value=4) for _ in range(6)]
    seed(people)
    releases.publish()
    with session_scope() as session:
        erase_respondent(session, people[0].respondent)
    releases.publish()
    assert _published_overview()["total"]["respondents"] == 6
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(4)])
    releases.publish()
    assert _published_overview()["total"]["respondents"] == 9


def test_a_release_stores_no_ids_and_only_the_newest_two_are_kept(database_url):
    people = [Person(UM, "Faculty of Education", value=4, open_answer="We need studios") for _ in range(5)]
    seed(people)
    for _ in range(3):
        releases.publish()
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Release)).scalar() == releases.KEEP_RELEASES
        stored = session.execute(select(Release.tables).order_by(Release.id.desc())).scalars().first()
    assert "We need studios" in stored
    assert all(p.respondent not in stored and p.sender not in stored for p in people)


def test_publish_if_due_waits_a_day(database_url):
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(5)])
    first = releases.publish_if_due()
    assert first is not None and releases.publish_if_due() is None
