"""The dashboard's reports on SQLite and PostgreSQL: numbers, breakdowns, suppression
(including the subtraction case), trend, lowest items, open answers and exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from bot.dashboard import exports
from bot.service import reports
from bot.storage.db import session_scope
from bot.storage.readiness_queries import LiveStats, Scope
from tests.dashboard_seed import HTML_ATTACK, INSTRUMENT, NOW, Person, seed

UM, UPM, USM = "Universiti Malaya", "Universiti Putra Malaysia", "Universiti Sains Malaysia"


@pytest.fixture
def people(database_url):
    """UM: 6 in Education (value 4), 5 in Engineering (value 2), 2 in Medicine (value 5),
    1 still answering; UPM: 5 in Education (value 1)."""
    group = (
        [Person(UM, "Faculty of Education", value=4) for _ in range(6)]
        + [Person(UM, "Faculty of Engineering", value=2, role="senior_lecturer") for _ in range(5)]
        + [Person(UM, "Faculty of Medicine", value=5, when=NOW - timedelta(days=40)) for _ in range(2)]
        + [Person(UM, "Faculty of Education", completed=False)]
        + [Person(UPM, "Faculty of Education", value=1, zone="central") for _ in range(5)]
    )
    seed(group)
    return group


def _overview(scope=None, group_by=None):
    with session_scope() as session:
        return reports.overview(LiveStats(session), scope or Scope(), group_by)


def test_overview_counts_and_means(people):
    report = _overview(Scope(institution=UM))
    total = report["total"]
    assert (total["respondents"], total["assessments_started"], total["assessments_completed"]) == (14, 14, 13)
    assert total["completion_rate"] == round(13 / 14, 3)
    expected = round((6 * 4 + 5 * 2 + 2 * 5) / 13, 2)
    for theme in total["themes"]:
        assert theme["mean"] == expected and theme["respondents"] == 13
        statements = len(INSTRUMENT.theme(theme["theme"]).scale_items)
        assert theme["distribution"] == {
            "1": 0,
            "2": 5 * statements,
            "3": 0,
            "4": 6 * statements,
            "5": 2 * statements,
            "not_sure": 0,
        }
    assert total["readiness_index"] == round((expected - 1) / 4 * 100)


def test_a_small_faculty_is_suppressed_with_the_group_that_would_reveal_it(people):
    groups = {g["group"]: g for g in _overview(Scope(institution=UM), "faculty")["groups"]}
    assert groups["Faculty of Medicine"] == {
        "group": "Faculty of Medicine",
        "suppressed": True,
        "note": "fewer than 5 respondents",
    }
    # Education (6) and Engineering (5) are both large enough, but showing both with the
    # total would give Medicine by subtraction: the smaller one, Engineering, goes too.
    assert groups["Faculty of Engineering"]["suppressed"] is True
    assert "themes" not in groups["Faculty of Engineering"]
    education = groups["Faculty of Education"]
    assert education["respondents"] == 7 and education["assessments_completed"] == 6
    assert {t["mean"] for t in education["themes"]} == {4.0}


def test_suppressed_groups_cannot_be_recovered_from_the_total(people):
    report = _overview(Scope(institution=UM), "faculty")
    shown = [g for g in report["groups"] if not g["suppressed"]]
    hidden_people = report["total"]["respondents"] - sum(g["respondents"] for g in shown)
    assert hidden_people == 0 or hidden_people >= 5


def test_an_institution_the_table_of_institutions_hides_shows_nothing_on_its_own(people):
    seed([Person(USM, "Faculty of Arts", value=2) for _ in range(2)])
    rows = {g["group"]: g for g in _overview(Scope(), "institution")["groups"]}
    # USM (2) is hidden, and UPM (5, the smallest) with it: everyone minus UM would give USM.
    assert rows[USM]["suppressed"] and rows[UPM]["suppressed"] and not rows[UM]["suppressed"]
    for institution in (USM, UPM):
        report = _overview(Scope(institution=institution), "faculty")
        assert report["total"]["suppressed"] is True and report["groups"] == []
        assert "respondents" not in report["total"]
    assert _overview(Scope(institution=UM))["total"] == {**rows[UM], "group": "everyone"}


def test_date_windows_and_breakdowns_across_institutions_are_refused(people):
    with pytest.raises(TypeError):
        Scope(since=NOW.date(), until=NOW.date())  # a table has no date window to ask for
    for dimension in ("faculty", "zone", "role"):
        with pytest.raises(ValueError, match="grouped by institution only"):
            _overview(Scope(), dimension)
    with pytest.raises(ValueError, match="faculty, zone or role"):
        _overview(Scope(institution=UM), "institution")


def test_role_labels_come_from_the_instrument(people):
    groups = {g["group"] for g in _overview(Scope(institution=UM), "role")["groups"]}
    assert groups == {"Programme coordinator", "Senior lecturer"}


def test_heatmap_rows_follow_the_same_suppression(people):
    with session_scope() as session:
        heat = reports.heatmap(LiveStats(session), Scope(institution=UM), "faculty")
    rows = {r["group"]: r for r in heat["rows"]}
    assert rows["Faculty of Medicine"]["suppressed"] and rows["Faculty of Engineering"]["suppressed"]
    education = rows["Faculty of Education"]
    assert education["respondents"] == 7
    assert [c["theme"] for c in education["cells"]] == list(INSTRUMENT.theme_ids)
    assert education["cells"][0]["mean"] == 4.0


def test_trend_by_month_suppresses_small_months(people):
    with session_scope() as session:
        months = reports.trend(LiveStats(session), Scope())["months"]
    by_month = {m["month"]: m for m in months}
    early = (NOW - timedelta(days=40)).strftime("%Y-%m")
    assert by_month[early]["suppressed"] is True and "respondents" not in by_month[early]
    # One hidden month of two people next to one shown month: the shown one goes too.
    assert by_month[NOW.strftime("%Y-%m")]["suppressed"] is True


def test_trend_shows_months_that_are_large_enough(database_url):
    seed([Person(UM, "Faculty of Education", value=4, when=NOW - timedelta(days=31 * (n % 2))) for n in range(10)])
    with session_scope() as session:
        months = reports.trend(LiveStats(session), Scope())["months"]
    assert [m["respondents"] for m in months] == [5, 5]
    assert all(m["readiness_index"] == 75 for m in months)


def test_lowest_items_need_enough_respondents(database_url):
    low, unsure = INSTRUMENT.items[1].id, INSTRUMENT.items[3].id
    seed(
        [Person(UM, "Faculty of Education", value=4, values={low: 1}) for _ in range(5)]
        + [Person(UPM, "Faculty of Education", value=4, values={unsure: None})]
        + [Person(UPM, "Faculty of Education", value=4) for _ in range(4)]
    )
    with session_scope() as session:
        found = reports.lowest_items(LiveStats(session), Scope(institution=UM), limit=3)
        everyone = reports.lowest_items(LiveStats(session), Scope(), limit=3)
    assert found["items"][0]["item"] == low and found["items"][0]["mean"] == 1.0
    assert found["items"][0]["text"] == INSTRUMENT.item(low).text.get("en")
    assert len(found["items"]) == 3
    assert everyone["items"][0]["item"] == low
    with session_scope() as session:
        upm = reports.lowest_items(LiveStats(session), Scope(institution=UPM), limit=100)
        um = reports.lowest_items(LiveStats(session), Scope(institution=UM), limit=100)
    # Four scored that statement at UPM: hidden there, and so at UM as well, or everyone's
    # mean minus UM's would give UPM's.
    assert unsure not in {i["item"] for i in upm["items"]} and upm["items_suppressed"] == 1
    assert unsure not in {i["item"] for i in um["items"]} and um["items_suppressed"] == 1
    assert unsure in {i["item"] for i in reports.lowest_items(LiveStats(session), Scope(), limit=100)["items"]}


def test_open_answers_are_grouped_searchable_and_anonymous(database_url):
    seed(
        [Person(UM, "Faculty of Education", open_answer=f"We lack funding ({n})") for n in range(5)]
        + [Person(UM, "Faculty of Education", open_answer=HTML_ATTACK)]
    )
    with session_scope() as session:
        found = reports.open_answers(LiveStats(session), Scope(institution=UM), theme="quality", search="FUNDING")
        every = reports.open_answers(LiveStats(session), Scope(institution=UM))
        upm = reports.open_answers(LiveStats(session), Scope(institution=UPM))
    assert [t["theme"] for t in found["themes"]] == ["quality"]
    assert found["themes"][0]["answers"] == [f"We lack funding ({n})" for n in range(5)]
    assert HTML_ATTACK in every["themes"][0]["answers"]
    assert "respondent" not in json.dumps(every)
    assert upm["themes"] == []
    with session_scope() as session:
        percent = reports.open_answers(LiveStats(session), Scope(institution=UM), search="100%")
    assert percent["themes"] == []


def test_a_search_that_matches_fewer_than_the_minimum_of_authors_shows_nothing(database_url):
    seed([Person(UM, "Faculty of Education", open_answer=f"We lack funding ({n})") for n in range(5)])
    seed([Person(UM, "Faculty of Education", open_answer="Only my studio at Block C is broken")])
    with session_scope() as session:
        one = reports.open_answers(LiveStats(session), Scope(institution=UM), search="Block C")
        four = reports.open_answers(LiveStats(session), Scope(institution=UM), search="funding (1")
    for isolated in (one, four):
        assert isolated["themes"] == [] and isolated["suppressed"] is True
        assert "Only my studio" not in json.dumps(isolated) and "We lack funding" not in json.dumps(isolated)


def test_a_theme_mean_needs_the_minimum_of_people_on_its_scale_not_just_completions(database_url):
    theme = INSTRUMENT.themes[0]
    not_sure = {item.id: None for item in theme.scale_items}
    seed(
        [Person(UM, "Faculty of Education", value=4) for _ in range(4)]
        + [Person(UM, "Faculty of Education", value=2, values=not_sure) for _ in range(2)]
    )
    total = _overview(Scope(institution=UM))["total"]
    blocks = {t["theme"]: t for t in total["themes"]}
    # Six completed, but only four placed themselves on the first theme's scale.
    assert blocks[theme.id]["suppressed"] is True
    assert blocks[INSTRUMENT.themes[1].id]["suppressed"] is False
    assert blocks[INSTRUMENT.themes[1].id]["respondents"] == 6
    assert total["readiness_index"] is None  # with one mean hidden, the index would give it away


def test_someone_who_completes_twice_counts_once_with_their_latest_answers(database_url):
    again = Person(UM, "Faculty of Education", value=1)
    seed([Person(UM, "Faculty of Education", value=4) for _ in range(5)] + [again])
    seed([Person(UM, "Faculty of Education", value=5, sender=again.sender, when=again.when + timedelta(days=1))])
    with session_scope() as session:
        items = reports.lowest_items(LiveStats(session), Scope(institution=UM), limit=1)
    total = _overview(Scope(institution=UM))["total"]
    theme = total["themes"][0]
    assert theme["respondents"] == 6
    assert theme["mean"] == round((5 * 4 + 5) / 6, 2)
    assert items["items"][0]["respondents"] == 6


def test_exports_carry_no_numbers_for_suppressed_groups(people):
    report = _overview(Scope(institution=UM), "faculty")
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(exports.rows_of("overview", report)))))
    medicine = [r for r in rows if r["group"] == "Faculty of Medicine"]
    assert len(medicine) == 1 and medicine[0]["suppressed"] == "True"
    assert medicine[0]["respondents"] == "" and medicine[0]["theme_mean"] == ""
    as_json = json.loads(exports.to_json("overview", report))
    assert as_json["min_group_size"] == 5 and len(as_json["rows"]) == len(rows)


def test_csv_export_defuses_spreadsheet_formulas():
    text = exports.to_csv(
        [{"theme": "quality", "answer": '=HYPERLINK("http://evil")'}, {"theme": "quality", "answer": "-1"}]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["answer"].startswith("'=") and rows[1]["answer"] == "'-1"


def test_unknown_breakdowns_are_refused(people):
    with pytest.raises(ValueError, match="group_by must be one of"):
        _overview(group_by="email")
    with session_scope() as session, pytest.raises(ValueError, match="theme must be one of"):
        reports.open_answers(LiveStats(session), Scope(), theme="nope")


def test_an_empty_database_shows_nothing_and_does_not_fail(database_url):
    report = _overview(Scope(), "institution")
    assert report["total"]["suppressed"] is True
    with session_scope() as session:
        assert reports.trend(LiveStats(session), Scope())["months"] == []
        assert reports.lowest_items(LiveStats(session), Scope())["items"] == []
        assert reports.heatmap(LiveStats(session), Scope(), "institution")["rows"] == []
