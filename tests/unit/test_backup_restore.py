"""deploy/backup.sh and deploy/restore.sh, run for real against PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import text

from bot.storage import repository
from bot.storage.db import get_engine, session_scope, upgrade
from tests.conftest import postgres_database

REPO = Path(__file__).resolve().parents[2]


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO / "deploy" / script), *args], capture_output=True, text=True, timeout=120)


def snapshot(url: str) -> dict:
    with get_engine(url).connect() as connection:
        return {
            "answers": [
                tuple(r)
                for r in connection.execute(text("SELECT item, value, text, language FROM answers ORDER BY item"))
            ],
            "respondents": [
                tuple(r)
                for r in connection.execute(text("SELECT id, consent_at IS NOT NULL FROM respondents ORDER BY id"))
            ],
            "migration": connection.execute(text("SELECT version_num FROM alembic_version")).scalar(),
        }


def test_a_backup_restores_into_a_new_database_and_refuses_to_overwrite_by_accident(tmp_path):
    with postgres_database() as source, postgres_database() as occupied:
        upgrade(source)
        with session_scope(source) as session:
            repository.record_consent(session, "r-1", "telegram")
            assessment = repository.start_assessment(session, "r-1", "telegram", 1)
            repository.record_answer(session, assessment.id, "quality", "qua_1", 4, None, "ms", "telegram")
            repository.record_answer(
                session, assessment.id, "quality", "qua_9", None, "Masa dan bajet", "ms", "telegram"
            )
        before = snapshot(source)

        made = run("backup.sh", source, str(tmp_path / "backups"))
        assert made.returncode == 0, made.stderr
        dump = Path(made.stdout.strip())
        assert dump.exists() and oct(dump.stat().st_mode & 0o777) == "0o600"

        # Into a database that does not exist yet: it is created.
        target = source.rsplit("/", 1)[0] + "/" + source.rsplit("/", 1)[1] + "_restored"
        try:
            restored = run("restore.sh", str(dump), target)
            assert restored.returncode == 0, restored.stderr
            assert snapshot(target) == before

            # Over a database that holds tables: refused without --replace, replaced with it.
            upgrade(occupied)
            refused = run("restore.sh", str(dump), occupied)
            assert refused.returncode == 1 and "add --replace" in refused.stderr
            assert snapshot(occupied)["answers"] == []
            replaced = run("restore.sh", str(dump), occupied, "--replace")
            assert replaced.returncode == 0, replaced.stderr
            assert snapshot(occupied) == before
        finally:
            get_engine(target).dispose()
            subprocess.run(
                [
                    "psql",
                    source.rsplit("/", 1)[0] + "/postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}" WITH (FORCE)',
                ],
                check=True,
            )


def test_restore_refuses_what_is_not_a_dump(tmp_path):
    bogus = tmp_path / "not-a-dump"
    bogus.write_text("hello")
    result = run("restore.sh", str(bogus), "postgresql://postgres@127.0.0.1:5432/never_created")
    assert result.returncode == 2 and "not a pg_dump archive" in result.stderr
