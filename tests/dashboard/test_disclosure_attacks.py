"""Attacks on the published figures through the public API and the plan link, each shown
to fail: differencing across date windows, across scopes, a faculty against its
institution, and a plan comparison before and after one new respondent. The made-up
respondents' attack is in test_fake_respondents.py.

The data (tests/dashboard/conftest.py) has, at UM, Education 6 (value 4), Engineering 5
(value 2) and Medicine 2 (value 5); UPM has Education 5 (value 1). This module adds USM:
seven people, published, then five of them erase their data, so the next release shows
an institution of two, below the minimum.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Dict, Iterator, List

import pytest

from bot.cli.launcher import REPO_ROOT
from bot.core.instrument import load_instrument
from bot.service.assessments import DatabaseAssessment
from bot.service.assessments import Person as Respondent
from bot.storage.db import session_scope
from bot.storage.repository import erase_respondent
from tests.conftest import environment
from tests.dashboard.conftest import UM, UPM, Dashboard, running_dashboard
from tests.dashboard_seed import Person, seed

USM = "Universiti Sains Malaysia"
MINIMUM = 5
REPORTS = ("overview", "heatmap", "trend", "items/lowest", "open-answers")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("disclosure")
    url = f"sqlite:///{folder / 'sedia.db'}"
    with running_dashboard(folder, url) as running:
        usm = [Person(USM, "Faculty of Arts", value=3) for _ in range(7)]
        seed(usm)
        _publish(running)
        with session_scope() as session:
            for person in usm[:5]:
                erase_respondent(session, person.respondent)
        _publish(running)
        yield running


def _publish(dashboard: Dashboard) -> None:
    """A new release, made as an operator makes one (the web app does it daily)."""
    values = {"DATABASE_URL": dashboard.database_url, "SEDIA_ID_SALT": "dashboard-tests"}
    with environment(values):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "publish"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0 and "release" in done.stdout, done.stderr


def _api(dashboard: Dashboard, report: str, who: str = "admin", **params) -> Dict:
    response = dashboard.get(f"/api/v1/{report}", who, **params)
    assert response.status_code == 200, response.text
    return response.json()


def _remainder_is_safe(total: int, shown: List[int]) -> bool:
    """What a total minus the shown parts leaves is nobody, or at least the minimum."""
    rest = total - sum(shown)
    return rest == 0 or rest >= MINIMUM


@pytest.mark.parametrize("who", ["viewer_um", "manager_um", "admin"])
@pytest.mark.parametrize("report", REPORTS)
def test_two_date_windows_cannot_be_asked_for(dashboard, report, who):
    if report == "open-answers" and who == "viewer_um":
        pytest.skip("a viewer reads no open answers at all")
    # The attack: the overview, then the same overview from a date, subtracted.
    for window in ({"from": "2026-01-01"}, {"to": "2026-12-31"}, {"from": "2026-01-01", "to": "2026-12-31"}):
        response = dashboard.get(f"/api/v1/{report}", who, **window)
        assert response.status_code == 400, (report, window, response.text)
        assert "no date window" in response.json()["error"]
    export = dashboard.get("/api/v1/export", who, report="overview", format="json", **{"from": "2026-01-01"})
    assert export.status_code == 400


def test_scope_x_against_scope_all_leaves_at_least_the_minimum(dashboard):
    everyone = _api(dashboard, "overview")["total"]
    by_institution = {g["group"]: g for g in _api(dashboard, "overview", group_by="institution")["groups"]}
    alone = {name: _api(dashboard, "overview", institution=name)["total"] for name in (UM, UPM, USM)}
    # USM (2) is hidden; everyone minus UM would give it, so UPM (the smallest) is hidden too,
    # and asking for UPM or USM alone shows what the table of institutions shows: nothing.
    assert by_institution[USM]["suppressed"] and by_institution[UPM]["suppressed"]
    for name in (UPM, USM):
        assert alone[name]["suppressed"] is True and "respondents" not in alone[name]
    assert alone[UM] == {**by_institution[UM], "group": "everyone"}
    shown = [t["respondents"] for t in alone.values() if not t["suppressed"]]
    assert _remainder_is_safe(everyone["respondents"], shown)
    # The same holds for every theme's mean: its contributors minus the shown ones.
    for n, theme in enumerate(everyone["themes"]):
        parts = [t["themes"][n]["respondents"] for t in alone.values() if not t["suppressed"]]
        assert _remainder_is_safe(theme["respondents"], parts)
    # Statements and months: UPM's and USM's are hidden, so everyone's minus UM's is 7 people.
    for name in (UPM, USM):
        assert _api(dashboard, "items/lowest", institution=name, limit=100)["items"] == []
        assert all(m["suppressed"] for m in _api(dashboard, "trend", institution=name)["months"])
        assert _api(dashboard, "open-answers", institution=name)["themes"] == []


def test_breakdowns_across_institutions_are_refused(dashboard):
    # A faculty across institutions minus the same faculty within the others is one
    # institution's faculty: faculties, zones and roles are broken down within one only.
    for dimension in ("faculty", "zone", "role"):
        for report, parameter in (("overview", "group_by"), ("heatmap", "by")):
            response = dashboard.get(f"/api/v1/{report}", "admin", **{parameter: dimension})
            assert response.status_code == 400 and "institution" in response.json()["error"]


def test_a_faculty_against_its_institution_leaves_at_least_the_minimum(dashboard):
    total = _api(dashboard, "overview", "manager_um")["total"]
    for dimension in ("faculty", "zone", "role"):
        groups = _api(dashboard, "overview", "manager_um", group_by=dimension)["groups"]
        assert _remainder_is_safe(total["respondents"], [g["respondents"] for g in groups if not g["suppressed"]])
        for n, theme in enumerate(total["themes"]):
            parts = [
                g["themes"][n]["respondents"]
                for g in groups
                if not g["suppressed"] and not g["themes"][n]["suppressed"]
            ]
            assert _remainder_is_safe(theme["respondents"], parts), (dimension, theme["theme"])
    faculties = {g["group"]: g for g in _api(dashboard, "overview", "manager_um", group_by="faculty")["groups"]}
    assert faculties["Faculty of Medicine"]["suppressed"] and faculties["Faculty of Engineering"]["suppressed"]
    heat = {r["group"]: r for r in _api(dashboard, "heatmap", "manager_um", by="faculty")["rows"]}
    assert heat["Faculty of Engineering"]["suppressed"] and heat["Faculty of Medicine"]["suppressed"]


def _plan_page(dashboard: Dashboard, person: Person) -> str:
    """The person's plan, made as "show my plan" makes it, read through its private link."""
    with environment({"DATABASE_URL": dashboard.database_url, "SEDIA_ID_SALT": "dashboard-tests"}):
        saved = DatabaseAssessment(Respondent(person.respondent, person.channel), load_instrument()).draft_plan("en")
    assert saved.saved is not None
    response = dashboard.get(f"/plan/{saved.saved.token}")
    assert response.status_code == 200
    return response.text


def test_a_plan_shows_no_faculty_the_dashboard_hides(dashboard):
    engineer = next(p for p in dashboard.people if p.faculty == "Faculty of Engineering")
    page = _plan_page(dashboard, engineer)
    # Engineering has five people, but the dashboard hides it (Medicine would follow by
    # subtraction): the plan hides it too, and shows the institution it shows.
    assert "Faculty of Engineering): not shown" in page
    assert "Your institution (Universiti Malaya, 13 respondents)" in page


def test_a_plan_comparison_before_and_after_one_new_respondent_is_the_same(dashboard):
    educator = next(p for p in dashboard.people if p.faculty == "Faculty of Education" and p.institution == UM)
    before = _plan_page(dashboard, educator)
    newcomer = Person(UM, "Faculty of Education", value=1)
    with environment({"DATABASE_URL": dashboard.database_url, "SEDIA_ID_SALT": "dashboard-tests"}):
        seed([newcomer])
    _publish(dashboard)
    after = _plan_page(dashboard, educator)
    mine = _plan_page(dashboard, newcomer)
    comparison = before.split("How your scores compare")[-1]
    assert comparison == after.split("How your scores compare")[-1]
    assert "Your faculty (Faculty of Education, 6 respondents)" in comparison
    # The newcomer's own plan compares them with the same published figures.
    assert "Your faculty (Faculty of Education, 6 respondents)" in mine
    overview = _api(dashboard, "overview", "manager_um", group_by="faculty")
    assert overview["total"]["respondents"] == 13
