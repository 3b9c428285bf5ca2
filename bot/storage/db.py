"""Database connection: `DATABASE_URL` picks the database, SQLite in `data/` by default.

Engines are created once per URL, and the schema is brought up to date with Alembic
the first time a URL is used in a process, so every entry point finds the tables.
"""

from __future__ import annotations

import fcntl
import functools
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, Optional, Set, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bot.config.settings import database_url
from bot.config.thread_pools import ThreadPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_engines: Dict[str, Engine] = {}
_lock = threading.Lock()
# Answers databases this process has migrated; one migration at a time.
_migrated: Set[str] = set()
_migrate_lock = threading.Lock()
# SQLAlchemy here is synchronous: servers run database work on these threads, so one
# slow query never stalls their event loop (and every other request with it).
_database_threads = ThreadPool(8, "sedia-db")
_Result = TypeVar("_Result")


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(url: str) -> Config:
    """An Alembic configuration for `url`, without an alembic.ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: Optional[str] = None) -> None:
    """Apply every Alembic migration to the database at `url`, one process at a time."""
    url = url or database_url()
    with _migration_lock(url):
        command.upgrade(alembic_config(url), "head")


# Any constant works: it only has to be the same in every Sedia process.
_MIGRATION_LOCK_KEY = 0x5ED1A


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    # The Rasa server, the action server and the web app each migrate on first use, and
    # they start together: without a lock two of them run the same migration at once and
    # one fails ("table ... already exists"). Alembic reads the current version after the
    # lock is taken, so the second finds nothing left to do.
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        make_sqlite_folder(url)
        with open(f"{parsed.database}.migrate-lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif backend == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        finally:
            engine.dispose()
    else:
        yield


def create_database_if_missing(url: Optional[str] = None) -> bool:
    """Create a PostgreSQL database named by `url` when it does not exist yet (SQLite
    creates its file by itself). True when it was created."""
    parsed = make_url(url or database_url())
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return False
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if exists:
                return False
            quoted = server.dialect.identifier_preparer.quote_identifier(parsed.database)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        server.dispose()


def make_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file named by `url` (other databases need none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def engine_for(url: str) -> Engine:
    """The one engine this process keeps for `url`, the answers database's or the tracker
    store's: created on first use, its SQLite folder made, SQLite's foreign keys enforced,
    and every pooled connection checked before use (a database that restarted)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            make_sqlite_folder(url)
            engine = create_engine(url, pool_pre_ping=True)
            if make_url(url).get_backend_name() == "sqlite":
                event.listen(engine, "connect", _enable_sqlite_foreign_keys)
            _engines[url] = engine
        return engine


def get_engine(url: Optional[str] = None) -> Engine:
    """The engine of the answers database at `url` (default: `database_url()`), its
    schema brought up to date on first use in this process."""
    url = url or database_url()
    engine = engine_for(url)
    with _migrate_lock:
        if url not in _migrated:
            upgrade(url)
            _migrated.add(url)
    return engine


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with Session(get_engine(url), future=True) as session:
        with session.begin():
            yield session


def dispose_all() -> None:
    """Close every engine (tests use this between databases)."""
    with _lock, _migrate_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _migrated.clear()


async def off_loop(function: Callable[..., _Result], *args: Any) -> _Result:
    """Run blocking database work on a database thread and wait for it without blocking
    the event loop."""
    return await _database_threads.run(function, *args)


def runs_off_loop(handler: Callable[..., _Result]) -> Callable[..., Awaitable[_Result]]:
    """A synchronous request handler that touches the database, as a coroutine that runs
    it on a database thread (what it raises is raised to the caller)."""

    @functools.wraps(handler)
    async def off_loop_handler(*args: Any, **kwargs: Any) -> _Result:
        return await off_loop(functools.partial(handler, *args, **kwargs))

    return off_loop_handler
