"""The JSON API against the running web app, on SQLite and PostgreSQL: who may call what,
the numbers it returns, suppression, conversation review, exports and bad input."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from tests.bot_api_standin import wait_until
from tests.conftest import postgres_away
from tests.dashboard.conftest import UM, UPM
from tests.dashboard_seed import HTML_ATTACK

AGGREGATES = ["/api/v1/overview", "/api/v1/heatmap", "/api/v1/trend", "/api/v1/items/lowest", "/api/v1/export"]
FREE_TEXT = ["/api/v1/open-answers", "/api/v1/conversations", "/api/v1/not-understood"]
ADMIN_ONLY = ["/api/v1/audit"]
REASON = "reason=checking the test data"


def _first_conversation(dashboard, who="admin") -> str:
    return dashboard.get("/api/v1/conversations", who).json()["conversations"][0]["id"]


def _transcript(dashboard, who="admin") -> str:
    return f"/api/v1/conversations/{_first_conversation(dashboard, who)}?{REASON}"


def _every_endpoint(dashboard):
    return AGGREGATES + FREE_TEXT + ADMIN_ONLY + [_transcript(dashboard)]


def test_anonymous_calls_are_refused_everywhere(dashboard):
    for path in _every_endpoint(dashboard):
        response = dashboard.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in response.json()["error"]


def test_a_wrong_or_revoked_token_is_refused(dashboard):
    bad = requests.get(
        dashboard.url + "/api/v1/overview", headers={"Authorization": "Bearer sedia_00_nope"}, timeout=30
    )
    assert bad.status_code == 401


def test_the_admin_may_call_every_endpoint(dashboard):
    for path in _every_endpoint(dashboard):
        assert dashboard.get(path, "admin").status_code == 200, path
    assert dashboard.get("/api/v1/overview", "admin", institution=UPM).json()["scope"]["institution"] == UPM


def test_a_viewer_sees_aggregates_only(dashboard):
    for path in AGGREGATES:
        assert dashboard.get(path, "viewer_um").status_code == 200, path
    for path in FREE_TEXT + [_transcript(dashboard)]:
        response = dashboard.get(path, "viewer_um")
        assert response.status_code == 403 and "viewer" in response.json()["error"], path
    for who in ("viewer_um", "manager_um"):
        assert dashboard.get("/api/v1/audit", who).status_code == 403
    assert dashboard.get("/api/v1/export", "viewer_um", report="open-answers").status_code == 403


def test_a_manager_of_one_institution_never_sees_another(dashboard):
    for path in AGGREGATES + ["/api/v1/open-answers"]:
        response = dashboard.get(path, "manager_um", institution=UPM)
        assert response.status_code == 403 and "own institution" in response.json()["error"], path
        assert dashboard.get(path, "manager_um", institution=UM).status_code == 200, path
    # Within one institution there is no breakdown by institution: it would be the total.
    by_institution = dashboard.get("/api/v1/overview", "manager_um", group_by="institution")
    assert by_institution.status_code == 400 and "faculty, zone or role" in by_institution.json()["error"]
    assert dashboard.get("/api/v1/overview", "manager_um").json()["scope"]["institution"] == UM
    # Conversations: each manager lists only their institution's, and cannot open the others.
    um = dashboard.get("/api/v1/conversations", "manager_um").json()
    upm = dashboard.get("/api/v1/conversations", "manager_upm").json()
    assert (um["total"], upm["total"]) == (2, 1)
    assert (
        dashboard.get(f"/api/v1/conversations/{upm['conversations'][0]['id']}?{REASON}", "manager_um").status_code
        == 404
    )
    assert (
        dashboard.get(f"/api/v1/conversations/{um['conversations'][0]['id']}?{REASON}", "manager_um").status_code == 200
    )


def test_overview_numbers_and_suppression_with_the_subtraction_case(dashboard):
    report = dashboard.get("/api/v1/overview", "manager_um", group_by="faculty").json()
    assert report["total"]["respondents"] == 13
    assert report["total"]["themes"][0]["mean"] == round((6 * 4 + 5 * 2 + 2 * 5) / 13, 2)
    groups = {g["group"]: g for g in report["groups"]}
    assert (
        groups["Faculty of Medicine"]["suppressed"]
        and groups["Faculty of Medicine"]["note"] == "fewer than 5 respondents"
    )
    assert groups["Faculty of Engineering"]["suppressed"], "Engineering would reveal Medicine by subtraction"
    assert groups["Faculty of Education"]["respondents"] == 6
    shown = sum(g["respondents"] for g in report["groups"] if not g["suppressed"])
    assert report["total"]["respondents"] - shown >= 5


def test_heatmap_trend_and_lowest_items(dashboard):
    heat = dashboard.get("/api/v1/heatmap", "admin", by="institution").json()
    assert {r["group"]: r["respondents"] for r in heat["rows"]} == {UM: 13, UPM: 5}
    assert heat["rows"][1]["cells"][0]["mean"] == 1.0
    trend = dashboard.get("/api/v1/trend", "admin").json()
    assert [(m["month"], m["respondents"]) for m in trend["months"]] == [("2026-11", 18)]
    lowest = dashboard.get("/api/v1/items/lowest", "admin", institution=UPM, limit=2).json()
    assert len(lowest["items"]) == 2 and lowest["items"][0]["mean"] == 1.0


def test_open_answers_are_searchable_and_carry_no_sender(dashboard):
    found = dashboard.get("/api/v1/open-answers", "manager_um", theme="quality", q="script").json()
    assert found["themes"][0]["answers"] == [HTML_ATTACK] * 5
    body = str(found)
    assert all(person.sender not in body and person.respondent not in body for person in dashboard.people)


def test_conversation_review_filters_and_not_understood(dashboard):
    assert dashboard.get("/api/v1/conversations", "admin", fallback="yes").json()["total"] == 3
    assert dashboard.get("/api/v1/conversations", "admin", fallback="no").json()["total"] == 0
    assert dashboard.get("/api/v1/conversations", "admin", channel="rest").json()["total"] == 3
    assert dashboard.get("/api/v1/conversations", "admin", channel="telegram").json()["total"] == 0
    assert dashboard.get("/api/v1/conversations", "admin", **{"from": "2026-11-16"}).json()["total"] == 0
    assert (
        dashboard.get("/api/v1/conversations", "admin", **{"from": "2026-11-15", "to": "2026-11-15"}).json()["total"]
        == 3
    )
    transcript = dashboard.get(_transcript(dashboard), "admin").json()
    assert [m["speaker"] for m in transcript["messages"][:2]] == ["user", "sedia"]
    assert [m["fallback"] for m in transcript["messages"] if m["speaker"] == "user"] == [False, True, True, False]
    assert all(sender not in str(transcript) for sender in dashboard.conversations)
    missed = dashboard.get("/api/v1/not-understood", "manager_um").json()["messages"]
    assert {(m["text"], m["count"]) for m in missed} == {("qwzx blorf", 2), (HTML_ATTACK, 2)}
    assert missed[0]["closest_intent"] == "ask_mqa"


def test_exports_as_csv_and_json(dashboard):
    response = dashboard.get("/api/v1/export", "manager_um", report="overview", format="csv", group_by="faculty")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="sedia-overview.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    medicine = [r for r in rows if r["group"] == "Faculty of Medicine"]
    assert len(medicine) == 1 and medicine[0]["respondents"] == "" and medicine[0]["theme_mean"] == ""
    as_json = dashboard.get("/api/v1/export", "manager_um", report="heatmap", format="json", by="faculty").json()
    assert as_json["report"] == "heatmap" and as_json["scope"]["institution"] == UM
    answers = dashboard.get("/api/v1/export", "admin", report="open-answers", format="csv").text
    assert "script" in answers


@pytest.mark.parametrize(
    "params, word",
    [
        ({"group_by": "email"}, "group_by"),
        ({"from": "yesterday"}, "no date window"),
        ({"from": "2026-11-01", "to": "2026-12-01"}, "no date window"),
    ],
)
def test_bad_parameters_get_a_clear_400(dashboard, params, word):
    response = dashboard.get("/api/v1/overview", "admin", **params)
    assert response.status_code == 400 and word in response.json()["error"]


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/export", {"report": "passwords"}),
        ("/api/v1/export", {"format": "xlsx"}),
        ("/api/v1/items/lowest", {"limit": "-3"}),
        ("/api/v1/conversations", {"fallback": "maybe"}),
        ("/api/v1/conversations", {"theme": "x"}),
        ("/api/v1/conversations", {"page": "0"}),
        ("/api/v1/open-answers", {"theme": "<b>"}),
    ],
)
def test_other_bad_parameters_get_a_clear_400(dashboard, path, params):
    response = dashboard.get(path, "admin", **params)
    assert response.status_code == 400 and response.json()["error"]


def test_openapi_describes_every_endpoint(dashboard):
    spec = requests.get(dashboard.url + "/api/v1/openapi.json", timeout=30).json()
    assert spec["openapi"].startswith("3.")
    documented = {"/api/v1" + path.replace("{id}", "x") for path in spec["paths"]}
    expected = set(AGGREGATES + FREE_TEXT + ADMIN_ONLY + ["/api/v1/conversations/x"])
    assert documented == expected
    group_by = next(p for p in spec["paths"]["/overview"]["get"]["parameters"] if p["name"] == "group_by")
    assert group_by["schema"]["enum"] == ["faculty", "zone", "role", "institution"]


def test_health_touches_both_databases(dashboard):
    response = requests.get(dashboard.url + "/health", timeout=30)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}, "tracker_store": {"ok": True}}}


def test_health_says_unavailable_while_the_database_is_away(dashboard):
    if not dashboard.database_url.startswith("postgresql"):
        pytest.skip("the database is taken away on PostgreSQL")
    with postgres_away(dashboard.database_url):
        response = requests.get(dashboard.url + "/health", timeout=30)
        assert response.status_code == 503
        document = response.json()
        assert document["status"] == "unavailable" and document["checks"]["database"]["ok"] is False
    wait_until(
        lambda: requests.get(dashboard.url + "/health", timeout=30).status_code == 200,
        30,
        "the web app to see the database again",
    )


def test_a_slow_query_does_not_stall_the_other_requests(dashboard):
    """Issue 16, bug 7: handlers ran their queries on Sanic's event loop, so one slow
    query held up every request. Here one report waits on a lock; the rest go on."""
    if not dashboard.database_url.startswith("postgresql"):
        pytest.skip("the slow query is made with a PostgreSQL table lock")
    import threading

    import psycopg2

    holder = psycopg2.connect(dashboard.database_url)
    watcher = psycopg2.connect(dashboard.database_url)
    watcher.autocommit = True
    slow = {}
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE releases IN ACCESS EXCLUSIVE MODE")  # what reports read
        thread = threading.Thread(target=lambda: slow.update(response=dashboard.get("/api/v1/overview", "admin")))
        thread.start()

        def waiting_on_the_lock() -> bool:
            with watcher.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                return cursor.fetchone()[0] > 0

        wait_until(waiting_on_the_lock, 30, "the overview's query to wait on the lock")
        for path in ("/health", "/dashboard/login", "/api/v1/openapi.json"):
            assert requests.get(dashboard.url + path, timeout=15).status_code == 200, path
        assert "response" not in slow  # still waiting: the others were not served after it
    finally:
        holder.rollback()
        holder.close()
        watcher.close()
    thread.join(60)
    assert slow["response"].status_code == 200


def test_a_page_number_past_any_list_is_refused_not_a_server_error(dashboard):
    # Found by schemathesis: an offset beyond the database's integers gave a 500.
    for page in ("184467440737095518", "1000001", "0", "-1", "1e9"):
        response = dashboard.get("/api/v1/conversations", "admin", page=page)
        assert response.status_code == 400 and "'page'" in response.json()["error"], page
    assert dashboard.get("/api/v1/conversations", "admin", page="1000000").json()["conversations"] == []


def test_a_transcript_needs_a_reason_and_every_read_of_personal_data_is_audited(dashboard):
    conversation = _first_conversation(dashboard, "manager_um")
    refused = dashboard.get(f"/api/v1/conversations/{conversation}", "manager_um")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]
    short = dashboard.get(f"/api/v1/conversations/{conversation}", "manager_um", reason="because")
    assert short.status_code == 400
    reason = "a complaint from the faculty about a wrong answer"
    assert dashboard.get(f"/api/v1/conversations/{conversation}", "manager_um", reason=reason).status_code == 200
    dashboard.get("/api/v1/open-answers", "manager_um", theme="quality")
    dashboard.get("/api/v1/export", "manager_um", report="overview", format="json")
    dashboard.get("/api/v1/not-understood", "manager_um")
    log = dashboard.get("/api/v1/audit", "admin", limit=50).json()["entries"]
    mine = [e for e in log if e["who"] == "manager_um"]
    read = {e["action"]: e for e in reversed(mine)}  # the newest of each kind
    assert read["transcript"]["target"] == conversation and read["transcript"]["reason"] == reason
    assert read["open answers"]["target"] == "theme=quality"
    assert "report=overview" in read["export"]["target"]
    assert {"not understood", "conversation list"} <= set(read)
    assert all(e["role"] == "manager" and e["address"] for e in mine)
    # Reading the log is itself recorded, and it downloads as CSV.
    csv = dashboard.get("/api/v1/audit", "admin", format="csv")
    assert csv.status_code == 200 and csv.text.startswith("at,who,role,action,target,reason,address")
    assert any(
        e["action"] == "audit log" and e["who"] == "admin"
        for e in dashboard.get("/api/v1/audit", "admin").json()["entries"]
    )
