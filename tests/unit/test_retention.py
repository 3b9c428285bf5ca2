"""Retention (issue 19): `purge` deletes exactly what is past its period, in the answers
database and the conversation store, and erasure still works for what is left."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot.cli.launcher import REPO_ROOT
from bot.service.retention import purge
from bot.storage import accounts, received, repository, updates
from bot.storage.conversations import ConversationFilter, Visible, list_conversations, tracker_engine
from bot.storage.db import session_scope
from bot.storage.models import Answer, ApiToken, Assessment, DashboardSession, Plan, Respondent, utcnow
from tests.unit.test_conversation_index import _consent, _save, _store, _turn

NOW = utcnow()
OLD = NOW - timedelta(days=800)


def _person(session, respondent: str, at, plan_expires=None) -> None:
    session.add(Respondent(id=respondent, channel="rest", consent_at=at, created_at=at))
    session.flush()
    assessment = Assessment(
        id=respondent[:32], respondent_id=respondent, channel="rest", instrument_version=2, started_at=at, updated_at=at
    )
    session.add(assessment)
    session.flush()
    session.add(Answer(assessment_id=assessment.id, theme="training", item="trn_1", value=3, channel="rest"))
    if plan_expires is not None:
        session.add(
            Plan(
                id=f"plan-{respondent}"[:32],
                assessment_id=assessment.id,
                language="en",
                markdown="# plan",
                token_hash=f"hash-{respondent}",
                expires_at=plan_expires,
            )
        )


@pytest.fixture
def seeded(sqlite_url, monkeypatch):
    monkeypatch.setenv("SEDIA_TRACKER_URL", sqlite_url)
    with session_scope() as session:
        _person(session, "gone-long-ago", OLD, plan_expires=OLD + timedelta(days=30))
        _person(session, "recent", NOW - timedelta(days=3), plan_expires=NOW + timedelta(days=27))
        _person(session, "old-link", NOW - timedelta(days=40), plan_expires=NOW - timedelta(days=10))
        # Consented long ago and never started an assessment.
        session.add(Respondent(id="never-started", channel="rest", consent_at=OLD, created_at=OLD))
        admin = accounts.add_user(session, "root", "twelve chars plus", "admin", None)
        accounts.open_session(session, admin, NOW + timedelta(days=3))  # live when the purge runs
        accounts.open_session(session, admin, NOW - timedelta(days=2))  # expired after 8 hours
        accounts.issue_token(session, "root", "old script", days=10, now=NOW - timedelta(days=60))
        accounts.issue_token(session, "root", "current script", now=NOW)
        updates.mark_processed(session, "telegram", 41)
        received.claim(session, "widget", received.message_key("someone", "m-1"))
    store = _store(sqlite_url)
    for sender, at in (("old-chat", OLD.timestamp()), ("new-chat", (NOW - timedelta(days=1)).timestamp())):
        _consent(sender)
        tracker = DialogueStateTracker(sender, [])
        _turn(tracker, "hello", "greet", at)
        _save(store, tracker)
    return sqlite_url


def _count(session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_purge_deletes_what_is_due_and_keeps_the_rest(seeded):
    report = purge(now=NOW + timedelta(days=3), days=730)
    assert report.counts["respondents"] == 2  # gone-long-ago, never-started
    assert report.counts["answers"] == 1 and report.counts["assessments"] == 1
    assert report.counts["expired plan links"] == 1  # old-link's (gone-long-ago's went with them)
    assert report.counts["expired dashboard sessions"] == 1
    assert report.counts["old API tokens"] == 1
    assert report.counts["Telegram update log"] == 1
    assert report.counts["conversations"] == 1 and report.counts["message ids"] == 1
    with session_scope() as session:
        kept = set(session.execute(select(Respondent.id)).scalars())
        assert {"recent", "old-link"} <= kept and not {"gone-long-ago", "never-started"} & kept
        assert _count(session, Plan) == 1 and _count(session, Answer) == 2
        assert _count(session, DashboardSession) == 1
        assert [t.name for t in accounts.list_tokens(session, "root")] == ["current script"]
        assert updates.processed_ids(session, "telegram") == []
    total, rows = list_conversations(ConversationFilter(), Visible(everything=True), engine=tracker_engine())
    assert [r.sender_id for r in rows] == ["new-chat"]
    # Nothing more is due a moment later.
    assert sum(purge(now=NOW + timedelta(days=3), days=730).counts.values()) == 0


def test_erasure_still_removes_everything_left_after_a_purge(seeded):
    purge(now=NOW, days=730)
    with session_scope() as session:
        counts = repository.erase_respondent(session, "recent")
        assert counts["answers"] == 1 and counts["plans"] == 1 and counts["respondents"] == 1
        assert _count(session, Assessment, Assessment.respondent_id == "recent") == 0


def test_the_purge_command_reports_its_counts(seeded):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--days", "730"],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "respondents: 2" in done.stdout and "conversations: 1" in done.stdout
    with session_scope() as session:
        assert _count(session, ApiToken) == 1
