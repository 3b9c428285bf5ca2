"""The audit log is append-only in the database itself, on SQLite and PostgreSQL (issue 19)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from bot.storage import audit
from bot.storage.db import get_engine, session_scope
from bot.storage.models import AuditEntry


def test_entries_are_added_and_read_newest_first(database_url):
    with session_scope() as session:
        audit.record(session, "ana", "manager", "transcript", "c-1", "a complaint from the faculty", "10.0.0.1")
        audit.record(session, "root", "admin", "audit log")
    with session_scope() as session:
        found = audit.entries(session)
    assert [(e.who, e.action) for e in found] == [("root", "audit log"), ("ana", "transcript")]
    assert found[1].reason == "a complaint from the faculty" and found[1].address == "10.0.0.1"


@pytest.mark.parametrize(
    "change",
    [
        lambda: update(AuditEntry).values(reason="nothing to see"),
        lambda: delete(AuditEntry),
    ],
    ids=["update", "delete"],
)
def test_no_one_can_change_or_delete_an_entry(database_url, change):
    with session_scope() as session:
        audit.record(session, "ana", "manager", "transcript", "c-1", "a complaint from the faculty")
    with pytest.raises(DatabaseError, match="append-only"):
        with session_scope() as session:
            session.execute(change())
    with session_scope() as session:
        assert [e.reason for e in audit.entries(session)] == ["a complaint from the faculty"]


def test_postgresql_refuses_to_truncate_it(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("TRUNCATE is PostgreSQL's")
    with session_scope() as session:
        audit.record(session, "ana", "manager", "export")
    with pytest.raises(DatabaseError, match="append-only"):
        with get_engine().begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
