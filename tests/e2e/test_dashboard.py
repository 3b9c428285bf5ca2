"""The dashboard on the whole stack: interviews over REST with the real Rasa server (and
its SQL tracker store), the action server and the web app, then the first admin created as
the README says, and the aggregates, conversation review and erasure seen through the API."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import pytest
import requests

from bot.cli.launcher import REPO_ROOT
from bot.core.scoring import score_answers
from tests.e2e.conftest import running_sedia
from tests.e2e.interviews import INSTRUMENT, answer_all, typing

PASSWORD = "a long admin password"
NOT_UNDERSTOOD = "qwzx blorf vremp"
# Two people in Education, two in Engineering, one in Medicine. With a minimum group size
# of 2, Medicine is suppressed, and so is Education: otherwise the total minus the shown
# faculties would give Medicine's numbers.
FACULTIES = ["Education", "Education", "Engineering", "Engineering", "Medicine"]


def _cli(sedia, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO_ROOT,
        env=sedia.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _interview(sedia, faculty: str) -> Dict[str, object]:
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say(f"senior lecturer at Universiti Malaya, Faculty of {faculty}")
    chat.say(NOT_UNDERSTOOD)
    sent = answer_all(chat, typing(lambda item: "en"))
    return {"chat": chat, "sent": sent}


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    with running_sedia(tmp_path_factory.mktemp("dashboard"), {"SEDIA_MIN_GROUP_SIZE": "2"}) as sedia:
        with ThreadPoolExecutor(max_workers=len(FACULTIES)) as pool:
            people = list(pool.map(lambda faculty: _interview(sedia, faculty), FACULTIES))
        web = f"http://127.0.0.1:{sedia.stack.web_port}"
        first_visit = requests.get(web + "/dashboard", timeout=30)
        assert first_visit.url.endswith("/dashboard/login") and "No account exists yet" in first_visit.text
        assert "python -m bot users add admin --role admin" in first_visit.text
        declined = sedia.chat()
        declined.say("start assessment")
        declined.press("No, store nothing")
        added = _cli(sedia, "users", "add", "admin", "--role", "admin", stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
        token = _cli(sedia, "users", "token", "admin", "--name", "e2e reports").stdout.strip()
        # Reports read the published release: the web app made one as it started, before
        # these interviews; an operator publishes the next on demand (or waits a day).
        published = _cli(sedia, "publish")
        assert published.returncode == 0 and "release" in published.stdout, published.stderr
        yield {"sedia": sedia, "people": people, "declined": declined, "token": token, "web": web}


def _get(dashboard, path: str, **params) -> requests.Response:
    return requests.get(
        dashboard["web"] + path,
        params=params,
        timeout=30,
        headers={"Authorization": f"Bearer {dashboard['token']}"},
    )


def test_the_api_refuses_anonymous_calls(dashboard):
    for path in ("/api/v1/overview", "/api/v1/conversations", "/api/v1/export"):
        response = requests.get(dashboard["web"] + path, timeout=30)
        assert response.status_code == 401 and "error" in response.json()


def test_overview_shows_the_interviews_just_completed(dashboard):
    # Faculties are broken down within one institution.
    report = _get(dashboard, "/api/v1/overview", institution="Universiti Malaya", group_by="faculty").json()
    total = report["total"]
    assert total["respondents"] == 5 and total["assessments_completed"] == 5
    assert total["completion_rate"] == 1.0
    expected = score_answers(dashboard["people"][0]["sent"], INSTRUMENT)
    assert total["readiness_index"] == expected.index
    assert {t["theme"]: t["mean"] for t in total["themes"]} == {t.theme_id: t.score for t in expected.themes}
    groups = {g["group"]: g for g in report["groups"]}
    assert groups["Faculty of Medicine"] == {
        "group": "Faculty of Medicine",
        "suppressed": True,
        "note": "fewer than 2 respondents",
    }
    assert groups["Faculty of Education"]["suppressed"] is True, "subtraction would reveal Medicine"
    assert groups["Faculty of Engineering"]["respondents"] == 2
    assert "respondents" not in groups["Faculty of Education"]


def test_only_conversations_with_consent_are_stored_and_reviewed(dashboard):
    sedia = dashboard["sedia"]
    listed = _get(dashboard, "/api/v1/conversations").json()
    assert listed["total"] == 5
    senders = [p["chat"].sender for p in dashboard["people"]]
    body = str(listed)
    assert all(sender not in body for sender in senders)
    stored = {row["sender_id"] for row in _events(sedia, "SELECT DISTINCT sender_id FROM events")}
    assert stored == set(senders), "the declined conversation must not be in the tracker store"
    assert {c["channel"] for c in listed["conversations"]} == {"rest"}
    with_fallback = _get(dashboard, "/api/v1/conversations", fallback="yes").json()
    assert with_fallback["total"] == 5
    assert _get(dashboard, "/api/v1/conversations", fallback="no").json()["total"] == 0
    assert _get(dashboard, "/api/v1/conversations", theme="quality").json()["total"] == 5
    assert _get(dashboard, "/api/v1/conversations", channel="telegram").json()["total"] == 0
    transcript = _get(
        dashboard, f"/api/v1/conversations/{listed['conversations'][0]['id']}", reason="checking the end-to-end run"
    ).json()
    texts = [m["text"] for m in transcript["messages"]]
    assert "start assessment" in texts and NOT_UNDERSTOOD in texts
    assert any(m["fallback"] for m in transcript["messages"] if m["speaker"] == "user")
    assert all(sender not in str(transcript) for sender in senders)
    missed = _get(dashboard, "/api/v1/not-understood").json()["messages"]
    # Every person typed it once. Other messages may tie with it (an open answer the NLU
    # was unsure of), so it is found by its text, not by its place in the list.
    counts = {m["text"]: m["count"] for m in missed}
    assert counts[NOT_UNDERSTOOD] == 5 and max(counts.values()) == 5


def _events(sedia, sql: str) -> List[dict]:
    from sqlalchemy import text

    from bot.storage.conversations import tracker_engine

    url = f"sqlite:///{sedia.env['SEDIA_DATA_DIR']}/conversations.db"
    with tracker_engine(url).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(sql))]


def test_erasure_removes_the_conversation_from_the_logs(dashboard):
    sedia = dashboard["sedia"]
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("senior lecturer at Universiti Malaya, Faculty of Education")
    chat.say("4")
    assert _events(sedia, f"SELECT COUNT(*) AS n FROM events WHERE sender_id = '{chat.sender}'")[0]["n"] > 0
    chat.say("stop")
    chat.say("delete my data")
    chat.press("Yes, delete my data")
    assert "deleted 1 answer, 1 assessment" in chat.joined()
    assert _events(sedia, f"SELECT COUNT(*) AS n FROM events WHERE sender_id = '{chat.sender}'")[0]["n"] == 0
    assert _get(dashboard, "/api/v1/conversations").json()["total"] == 5
