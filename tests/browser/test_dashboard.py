"""The management dashboard in Chromium: sign in, read the charts, filter, open a
transcript with stored HTML in it, download an export, and every page that shows stored
answers, profile fields or transcripts with HTML in them. Screenshots go to
test-artifacts/browser/dashboard-*.png."""

from __future__ import annotations

import csv
import io
from typing import Iterator, List
from urllib.parse import quote

import pytest

from bench.dashboard_data import generate
from bot.config.identity import conversation_pseudonym
from bot.core.instrument import load_instrument
from bot.service import releases
from bot.service.assessments import DatabaseAssessment
from bot.service.assessments import Person as Respondent
from tests.browser.conftest import AXE, shot
from tests.dashboard.conftest import PASSWORD, UM, Dashboard, running_dashboard
from tests.dashboard_seed import HTML_ATTACK, Person, seed, seed_conversation

SMALL_FACULTY = "Faculty of Law"
# Profile fields as a crafted message or an imported row could store them. Each payload
# both raises a dialog and sets a flag, so either way of running it is caught.
FACULTY_ATTACK = 'Faculty of <img src=x onerror="window.__sediaXss=1;alert(1)"> Law'
INSTITUTION_ATTACK = "Universiti <script>window.__sediaXss=1;alert(2)</script> Sedia"
ANSWER_ATTACK = '<svg onload="window.__sediaXss=1;alert(3)"></svg>' + HTML_ATTACK


@pytest.fixture(scope="module")
def dashboard_web(tmp_path_factory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("dashboard-browser")
    url = f"sqlite:///{folder / 'sedia.db'}"
    with running_dashboard(folder, url) as running:
        # A realistic spread on top of the known respondents, so the charts have a shape.
        generate(url, 20_000)
        # A faculty the generator never uses, with two people: it must be suppressed.
        seed([Person(UM, SMALL_FACULTY, value=5) for _ in range(2)])
        # Stored HTML in profile fields and open answers, in groups big enough to show.
        attackers = [Person(UM, FACULTY_ATTACK, value=2, open_answer=ANSWER_ATTACK) for _ in range(5)]
        attackers += [Person(INSTITUTION_ATTACK, FACULTY_ATTACK, value=4, open_answer=ANSWER_ATTACK) for _ in range(5)]
        seed(attackers)
        releases.publish()  # what the web app does daily, and `python -m bot publish` on demand
        seed_conversation(
            url,
            attackers[-1].sender,
            ["hello", ANSWER_ATTACK],
            ["greet", "nlu_fallback"],
            institution=INSTITUTION_ATTACK,
        )
        running.attacked_conversation = conversation_pseudonym(attackers[-1].sender)
        running.attacked_plan = _plan_naming(attackers[-1])
        yield running


def _plan_naming(person: Person) -> str:
    """A stored plan that compares `person` with their faculty and institution, made the
    way "show my plan" makes it; returns its link token."""
    assessment = DatabaseAssessment(Respondent(person.respondent, person.channel), load_instrument())
    saved = assessment.draft_plan("en").saved
    assert saved is not None
    return saved.token


@pytest.fixture
def page(browser, dashboard_web):
    # bypass_csp lets the test add axe-core; the pages themselves run no script.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _sign_in(page, dashboard: Dashboard, username: str = "admin") -> None:
    page.goto(dashboard.url + "/dashboard")
    assert page.url.endswith("/dashboard/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(dashboard.url + "/dashboard")


def test_sign_in_see_the_charts_filter_and_download(page, dashboard_web):
    page.goto(dashboard_web.url + "/dashboard/login")
    shot(page, "dashboard-login")
    _sign_in(page, dashboard_web)
    assert page.get_by_role("heading", name="Readiness overview").is_visible()
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    assert charts.first.get_attribute("aria-label") == "Mean score by theme, 1 to 5"
    assert page.locator("svg.chart rect").count() > 10
    shot(page, "dashboard-overview")

    # Across institutions the breakdown is by institution; faculties are within one.
    assert page.get_by_label("Break down by").locator("option").all_inner_texts() == ["No breakdown", "Institution"]
    page.get_by_label("Institution").select_option(UM)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**institution=**")
    page.get_by_label("Break down by").select_option("faculty")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**group_by=faculty**")
    small = page.get_by_role("rowheader", name=SMALL_FACULTY, exact=True).locator("xpath=..")
    assert "fewer than 5 respondents" in small.inner_text()
    page.get_by_role("heading", name="By faculty").scroll_into_view_if_needed()
    shot(page, "dashboard-by-faculty")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == "sedia-overview.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert {r["dimension"] for r in rows} == {"everyone", "faculty"}
    small_rows = [r for r in rows if r["group"] == SMALL_FACULTY]
    assert len(small_rows) == 1 and small_rows[0]["theme_mean"] == "" and small_rows[0]["respondents"] == ""


def test_heat_map_and_trend(page, dashboard_web):
    _sign_in(page, dashboard_web)
    page.get_by_role("link", name="Heat map").click()
    page.get_by_label("Institution").select_option(UM)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**institution=**")
    page.get_by_label("Rows").select_option("zone")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**by=zone**")
    cells = page.locator("table.heatmap td[class^='heat-']")
    assert cells.count() >= 5 * 5
    shot(page, "dashboard-heatmap")
    page.get_by_role("link", name="Trend").click()
    assert page.locator("svg.chart circle").count() >= 2
    shot(page, "dashboard-trend")


def test_a_transcript_with_stored_html_shows_it_as_text(page, dashboard_web):
    _sign_in(page, dashboard_web, "manager_um")
    page.get_by_role("link", name="Conversations").click()
    page.get_by_label("Not understood").select_option("yes")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**fallback=yes**")
    page.locator("table a[href^='/dashboard/conversations/c-']").first.click()
    # A transcript is one person's words: the manager says why first (the audit log keeps it).
    shot(page, "dashboard-transcript-reason")
    page.get_by_label("Reason").fill("checking a reported wrong answer")
    page.get_by_role("button", name="Read the conversation").click()
    transcript = page.locator("ol.transcript")
    assert HTML_ATTACK in transcript.inner_text()
    assert page.locator("ol.transcript img, ol.transcript script").count() == 0
    assert page.dialogs == []
    shot(page, "dashboard-transcript")


def test_no_serious_accessibility_violations_and_a_narrow_screen(page, dashboard_web):
    _sign_in(page, dashboard_web)
    page.goto(dashboard_web.url + f"/dashboard?institution={quote(UM)}&group_by=zone")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document)")
    serious = [
        (v["id"], [n["html"][:80] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "the page must not scroll sideways; wide tables scroll inside their box"
    shot(page, "dashboard-overview-360")


def _pages_with_stored_html(dashboard: Dashboard) -> List[tuple]:
    """Every page that shows answers, profile fields or transcripts, with what it must
    show of the stored HTML, as text."""
    institution = quote(INSTITUTION_ATTACK)
    return [
        (f"/dashboard?institution={quote(UM)}&group_by=faculty", [FACULTY_ATTACK]),
        ("/dashboard?group_by=institution", [INSTITUTION_ATTACK]),
        (f"/dashboard?institution={institution}&group_by=faculty", [INSTITUTION_ATTACK, FACULTY_ATTACK]),
        (f"/dashboard/heatmap?institution={quote(UM)}&by=faculty", [FACULTY_ATTACK]),
        ("/dashboard/heatmap?by=institution", [INSTITUTION_ATTACK]),
        (f"/dashboard/items?institution={institution}", [INSTITUTION_ATTACK]),
        (f"/dashboard/trend?institution={institution}", [INSTITUTION_ATTACK]),
        (f"/dashboard/open-answers?institution={institution}", [ANSWER_ATTACK]),
        ("/dashboard/conversations?fallback=yes", []),
        (f"/dashboard/conversations/{dashboard.attacked_conversation}?reason=checking+stored+html", [ANSWER_ATTACK]),
        ("/dashboard/not-understood", [ANSWER_ATTACK]),
        (f"/plan/{dashboard.attacked_plan}", [FACULTY_ATTACK, INSTITUTION_ATTACK]),
    ]


def test_stored_html_in_answers_profiles_and_transcripts_is_text_on_every_page(page, dashboard_web):
    # The context bypasses the Content-Security-Policy, so only escaping stands between
    # the stored HTML and the page: a page that rendered it would run the payloads.
    _sign_in(page, dashboard_web)
    for path, shown in _pages_with_stored_html(dashboard_web):
        response = page.goto(dashboard_web.url + path)
        assert response.status == 200, path
        text = page.locator("body").inner_text()
        options = page.locator("#f-institution option").all_inner_texts()
        for attack in shown:
            assert attack in text or attack in options, (path, attack)
        if "/dashboard" in path and "/conversations" not in path and "not-understood" not in path:
            assert INSTITUTION_ATTACK in options, path  # the filter lists it, as text
        assert page.locator("script, img, svg[onload]").count() == 0, path
        assert page.evaluate("() => window.__sediaXss") is None, path
        assert page.dialogs == [], path
    page.goto(dashboard_web.url + f"/dashboard?institution={quote(UM)}&group_by=faculty")
    page.get_by_role("rowheader", name=FACULTY_ATTACK).scroll_into_view_if_needed()
    shot(page, "dashboard-stored-html-profile")
