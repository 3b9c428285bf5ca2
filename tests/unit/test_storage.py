"""Storage on SQLite and PostgreSQL: migrations, idempotent writes, erasure, export."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.config.identity import pseudonymous_sender, respondent_id
from bot.storage import repository
from bot.storage.db import get_engine, session_scope
from bot.storage.export import EXPORT_COLUMNS, export_rows, write_csv, write_json
from bot.storage.models import Answer, Assessment, Plan, metadata
from bot.storage.plans import plan_by_token, save_plan

PROFILE = {
    "institution": "Universiti Putra Malaysia",
    "faculty": "Faculty of Education",
    "role": "lecturer",
    "zone": "central",
}


def start(session, rid="r1"):
    repository.record_consent(session, rid, "rest")
    repository.save_profile(session, rid, PROFILE)
    return repository.start_assessment(session, rid, "rest", 1)


def test_migrations_match_the_models(database_url):
    engine = get_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_the_alembic_command_line_works_from_the_repository_root(database_url):
    # alembic.ini, so that `alembic revision --autogenerate` and `alembic check` work on
    # the database the environment names.
    get_engine(database_url)  # created and migrated as Sedia does
    root = Path(__file__).resolve().parents[2]
    alembic = [sys.executable, "-m", "alembic"]
    env = {**os.environ, "DATABASE_URL": database_url}
    check = subprocess.run([*alembic, "check"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "No new upgrade operations detected" in check.stdout + check.stderr, check.stderr
    current = subprocess.run([*alembic, "current"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stdout + current.stderr


def test_an_answer_is_written_once_and_updated_when_changed(database_url):
    with session_scope() as session:
        assessment_id = start(session).id
    for _ in range(3):  # a retried action
        with session_scope() as session:
            repository.record_answer(session, assessment_id, "training", "trn_1", 4, None, "en", "rest")
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Answer)).scalar_one() == 1
        repository.record_answer(session, assessment_id, "training", "trn_1", 2, None, "en", "rest")
    with session_scope() as session:
        [row] = session.execute(select(Answer)).scalars().all()
        assert (row.item, row.value) == ("trn_1", 2)
        assert repository.answers_for(session, assessment_id)["trn_1"].value == 2


def test_values_off_the_scale_are_rejected_by_the_database(database_url):
    with session_scope() as session:
        assessment_id = start(session).id
    with pytest.raises(IntegrityError):
        with session_scope() as session:
            repository.record_answer(session, assessment_id, "training", "trn_1", 9, None, "en", "rest")


def test_one_open_assessment_at_a_time_with_a_copy_of_the_profile(database_url):
    with session_scope() as session:
        first = start(session)
        assert repository.start_assessment(session, "r1", "rest", 1).id == first.id
        assert (first.institution, first.role) == (PROFILE["institution"], "lecturer")
        repository.set_status(session, first.id, "paused")
        assert repository.current_assessment(session, "r1").id == first.id
        repository.set_status(session, first.id, "completed")
        assert repository.current_assessment(session, "r1") is None
        second = repository.start_assessment(session, "r1", "rest", 1)
        first_id, second_id = first.id, second.id
        assert second_id != first_id
        repository.save_profile(session, "r1", {**PROFILE, "role": "senior_lecturer"})
    with session_scope() as session:
        assert session.get(Assessment, second_id).role == "senior_lecturer"
        assert session.get(Assessment, first_id).role == "lecturer"


def test_erasure_removes_everything_of_one_respondent_only(database_url):
    with session_scope() as session:
        mine, theirs = start(session, "me").id, start(session, "them").id
        repository.record_answer(session, mine, "quality", "qua_1", 3, None, "en", "rest")
        repository.record_answer(session, mine, "quality", "qua_open", None, "Slow approval", "en", "rest")
        repository.record_answer(session, theirs, "quality", "qua_1", 5, None, "en", "rest")
        save_plan(session, mine, "en", "# My plan")
        kept = save_plan(session, theirs, "en", "# Their plan")
    with session_scope() as session:
        counts = repository.erase_respondent(session, "me")
    assert counts == {"answers": 2, "plans": 1, "assessments": 1, "profiles": 1, "respondents": 1}
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Plan)).scalar_one() == 1
        assert plan_by_token(session, kept.token).markdown == "# Their plan"
    with session_scope() as session:
        assert not repository.has_consent(session, "me")
        assert repository.has_consent(session, "them")
        assert session.execute(select(func.count()).select_from(Answer)).scalar_one() == 1
        assert repository.erase_respondent(session, "me")["respondents"] == 0


def test_export_lists_every_answer_with_its_profile(database_url):
    with session_scope() as session:
        assessment_id = start(session).id
        repository.record_answer(session, assessment_id, "training", "trn_1", 4, None, "en", "rest")
        repository.record_answer(
            session, assessment_id, "training", "trn_open", None, 'No time, "really"', "en", "rest"
        )
        other = start(session, "r2")
        repository.save_profile(session, "r2", {**PROFILE, "institution": "Universiti Malaya"})
        repository.record_answer(session, other.id, "training", "trn_1", 2, None, "en", "rest")
    with session_scope() as session:
        rows = export_rows(session)
        only_upm = export_rows(session, institution="Universiti Putra Malaysia")
    assert len(rows) == 3 and len(only_upm) == 2
    assert set(rows[0]) == set(EXPORT_COLUMNS)
    assert rows[0]["respondent_id"] == "r1" and rows[0]["value"] == 4 and rows[0]["answered_at"].endswith("+00:00")
    out = io.StringIO()
    write_json(only_upm, out)
    assert [r["item"] for r in json.loads(out.getvalue())] == ["trn_1", "trn_open"]
    out = io.StringIO()
    write_csv(only_upm, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert '"No time, ""really"""' in lines[2]


def test_pseudonyms_are_stable_salted_and_never_the_raw_id(data_dir, monkeypatch):
    first = respondent_id("telegram", "123456789")
    assert first == respondent_id("telegram", "123456789")
    assert first != respondent_id("rest", "123456789")
    assert "123456789" not in first and len(first) == 32
    salt_file = data_dir / "id_salt"
    assert salt_file.exists() and oct(salt_file.stat().st_mode)[-3:] == "600"
    sender = pseudonymous_sender("telegram", 123456789)
    assert sender == pseudonymous_sender("telegram", "123456789") and sender.startswith("telegram-")
    assert "123456789" not in sender and sender != pseudonymous_sender("telegram", 123456788)
    monkeypatch.setenv("SEDIA_ID_SALT", "another salt")
    assert respondent_id("telegram", "123456789") != first
    assert pseudonymous_sender("telegram", 123456789) != sender


def test_update_bookkeeping_records_each_update_once_and_the_cursor_only_moves_on(database_url):
    from datetime import timedelta

    from bot.storage import updates
    from bot.storage.models import utcnow

    with session_scope() as session:
        assert updates.cursor(session, "telegram:1") is None
        updates.move_cursor(session, "telegram:1", 10)
        updates.move_cursor(session, "telegram:1", 7)  # never backwards
        for update_id in (9, 10, 11, 11):
            updates.mark_processed(session, "telegram:1", update_id)
        updates.mark_processed(session, "telegram:2", 11)  # another bot keeps its own
    with session_scope() as session:
        assert updates.cursor(session, "telegram:1") == 10
        assert updates.is_processed(session, "telegram:1", 11) and not updates.is_processed(session, "telegram:1", 12)
        assert updates.processed_ids(session, "telegram:1") == [9, 10, 11]
        # Below the cursor, Telegram never sends an update again: those records go.
        assert updates.forget_processed(session, "telegram:1") == 1
        assert updates.processed_ids(session, "telegram:1") == [10, 11]
        # After two days nothing can come again either.
        assert updates.forget_processed(session, "telegram:1", now=utcnow() + timedelta(days=3)) == 2
        assert updates.processed_ids(session, "telegram:2") == [11]
