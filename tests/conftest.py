"""Shared test fixtures: a fresh answers database per test, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest

from bot.storage import db

POSTGRES_ADMIN_DSN = os.environ.get("SEDIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
# Every test client calls from 127.0.0.1, many times a minute: the servers the tests start
# get roomy per-address and per-session limits. The failed-sign-in rules keep their
# production values (tests/dashboard/test_pages.py runs into them), and every rule's own
# behaviour is tested with the production values in tests/unit/test_rate_limits.py.
TEST_RATE_LIMITS = ",".join(
    f"{rule}={limit}"
    for rule, limit in {
        "sign_in_address": "1000/minute",
        "api_address": "100000/minute",
        "api_account": "100000/minute",
        "bad_token_address": "1000/minute",
        "plan_address": "10000/minute",
        "plan_link": "10000/hour",
        "widget_connect_address": "10000/minute",
        "widget_message_session": "10000/minute",
    }.items()
)
os.environ.setdefault("SEDIA_RATE_LIMITS", TEST_RATE_LIMITS)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg2

    name = f"sedia_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        db.dispose_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def postgres_away(url: str) -> Iterator[None]:
    """The PostgreSQL database at `url` refuses every connection, and the open ones are
    cut, until the block ends: the database "goes away for a while" for every process."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    try:
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()


@contextmanager
def rows_locked(url: str, select_for_update: str, **params: object) -> Iterator[int]:
    """Hold the row locks that `select_for_update` takes on the PostgreSQL database at
    `url` until the block ends, as a slow transaction of another process would; yields
    how many rows it locked."""
    import psycopg2

    holder = psycopg2.connect(url)
    try:
        with holder.cursor() as cursor:
            cursor.execute(select_for_update, params)
            locked = cursor.rowcount
        yield locked
    finally:
        holder.rollback()
        holder.close()


def sessions_waiting_for_a_lock(url: str) -> int:
    """How many sessions on the database at `url` are waiting for a lock right now."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(POSTGRES_ADMIN_DSN)
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (name,),
            )
            return int(cursor.fetchone()[0])
    finally:
        admin.close()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder (database and salt) for one test."""
    folder = tmp_path / "var"
    monkeypatch.setenv("SEDIA_DATA_DIR", str(folder))
    monkeypatch.delenv("SEDIA_ID_SALT", raising=False)
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, migrated database on each backend Sedia supports, set as DATABASE_URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'sedia.db'}"
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        db.dispose_all()
    else:
        with postgres_database() as url:
            monkeypatch.setenv("DATABASE_URL", url)
            yield url


@pytest.fixture
def sqlite_url(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new SQLite database set as DATABASE_URL."""
    url = f"sqlite:///{data_dir / 'sedia.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    db.dispose_all()


@contextmanager
def environment(values: Dict[str, str]) -> Iterator[None]:
    """Set environment variables in this process, and put back what was there after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_bot(*args: str, stdin: str = "", env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """`python -m bot ARGS`, run from the repository root as an operator runs it, in this
    process's environment (or `env`)."""
    from bot.cli.launcher import REPO_ROOT

    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO_ROOT,
        env=dict(os.environ if env is None else env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
