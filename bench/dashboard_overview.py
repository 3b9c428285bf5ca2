"""How fast the dashboard's overview API answers, against the raw GROUP BY it rests on.

For 10k, 100k and 1M answers, on SQLite and on PostgreSQL (127.0.0.1:5432), this fills a
new database with `bench.dashboard_data`, starts the web app (`python -m bot.dashboard`),
and times, over the same data:

- the overview API over HTTP with a bearer token (`/api/v1/overview`, and with
  `?group_by=institution`), everything included: auth, reading the published release, suppression, JSON;
- the raw query alone, through the database driver: answers per theme and value over
  completed assessments, the one GROUP BY that every overview number comes from;
- publishing a release (`bot.service.releases.publish`, what the web app does daily), once,
  before the web app starts, so that it serves that release.

It prints a table of median and p95 and writes it to docs/benchmarks.md. The target is
the overview at 100k answers within 2x the raw query.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List

import requests

from bench.dashboard_data import generate
from bench.report import write_section
from bot.cli.launcher import REPO_ROOT, Service, free_port
from bot.core.instrument import load_instrument
from bot.service.releases import publish
from bot.storage import accounts
from bot.storage.db import dispose_all, session_scope

POSTGRES_ADMIN = os.environ.get("SEDIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
TARGET_RATIO = 2.0


def raw_query() -> str:
    """The GROUP BY behind the overview, written by hand."""
    open_items = ", ".join(f"'{item}'" for item in load_instrument().open_item_ids)
    return (
        "SELECT answers.theme, answers.value, COUNT(*) FROM answers "
        "JOIN assessments ON assessments.id = answers.assessment_id "
        f"WHERE assessments.status = 'completed' AND answers.item NOT IN ({open_items}) "
        "GROUP BY answers.theme, answers.value"
    )


def timings(run: Callable[[], object], repeat: int, warmup: int = 3) -> List[float]:
    """Seconds per run, after a few runs that warm caches."""
    for _ in range(warmup):
        run()
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        found.append(time.perf_counter() - start)
    return found


def p95(values: List[float]) -> float:
    """The 95th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _database(backend: str, folder: Path):
    if backend == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: sqlite3.connect(path), lambda: None
    import psycopg2

    name = f"sedia_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(POSTGRES_ADMIN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    dsn = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return dsn, lambda: psycopg2.connect(dsn), drop


def start_web_app(env: Dict[str, str], port: int, folder: Path) -> Service:
    """`python -m bot.dashboard` on `port`, started and answering its health check."""
    web = Service(
        "web app",
        [sys.executable, "-m", "bot.dashboard", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        f"http://127.0.0.1:{port}",
        folder / "web.log",
    )
    web.start(env)
    deadline = time.monotonic() + 60
    while not web.is_ready():
        if time.monotonic() > deadline or web.has_exited():
            raise RuntimeError(f"the web app did not start; see {folder / 'web.log'}")
        time.sleep(0.2)
    return web


def measure(backend: str, answers: int, repeat: int, folder: Path) -> Dict[str, object]:
    """Overview and raw-query timings on a new database of `answers` answers."""
    url, connect, drop = _database(backend, folder)
    web = None
    try:
        generate(url, answers)
        os.environ["DATABASE_URL"] = url
        with session_scope(url) as session:
            accounts.add_user(session, "bench", "bench password 1", "admin", None)
            token = accounts.issue_token(session, "bench", "benchmark")
        if backend == "postgresql":
            connection = connect()
            connection.autocommit = True
            connection.cursor().execute("ANALYZE")
            connection.close()
        started = time.perf_counter()
        publish()
        published_in = time.perf_counter() - started
        port = free_port()
        # The generated respondents need an id salt, or the web app's salt guard stops it.
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SEDIA_DATA_DIR": str(folder),
            "SEDIA_ID_SALT": secrets.token_hex(32),
            "PYTHONPATH": str(REPO_ROOT),
        }
        web = start_web_app(env, port, folder)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"

        def overview(params: str = "") -> Callable[[], object]:
            def call() -> object:
                response = http.get(f"http://127.0.0.1:{port}/api/v1/overview{params}", timeout=120)
                response.raise_for_status()
                return response.json()

            return call

        connection = connect()
        sql = raw_query()

        def raw() -> object:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchall()

        result = {
            "overview": timings(overview(), repeat),
            "by_institution": timings(overview("?group_by=institution"), repeat),
            "raw": timings(raw, repeat),
            "publish": [published_in],
        }
        connection.close()
        return result
    finally:
        if web is not None:
            web.stop()
        dispose_all()
        drop()


def main() -> int:
    """Run the benchmark and write its table."""
    parser = argparse.ArgumentParser(description="Time the dashboard's overview API against the raw GROUP BY.")
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k, 100k, 1M")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rows, verdicts = [], []
    with tempfile.TemporaryDirectory(prefix="sedia-bench-") as tmp:
        for backend in args.backends.split(","):
            for size in args.sizes.split(","):
                found = measure(backend, SIZES[size], args.repeat, Path(tmp))
                ms = {k: (statistics.median(v) * 1000, p95(v) * 1000) for k, v in found.items()}
                ratio = ms["overview"][0] / ms["raw"][0]
                rows.append(
                    f"| {backend} | {size} | {ms['raw'][0]:.1f} | {ms['raw'][1]:.1f} | {ms['overview'][0]:.1f} | "
                    f"{ms['overview'][1]:.1f} | {ratio:.2f}x | {ms['by_institution'][0]:.1f} | {ms['by_institution'][1]:.1f} | "
                    f"{ms['publish'][0] / 1000:.1f} |"
                )
                print(rows[-1], flush=True)
                if size == "100k":
                    verdicts.append(f"{backend}: {ratio:.2f}x ({'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    table = "\n".join(
        [
            "| Database | Answers | Raw GROUP BY median (ms) | Raw p95 | Overview API median (ms) | Overview p95 | "
            "Overview / raw (median) | By institution median (ms) | By institution p95 | Publishing a release (s) |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    body = (
        f"{args.repeat} timed runs each after 3 warm-up runs, on a new database filled by `bench.dashboard_data` "
        "(85% of assessments completed; 8 institutions, 10 faculties). The API time is the whole HTTP call with a "
        "bearer token: authentication, reading the published release, suppression and JSON. The raw time is the "
        "GROUP BY alone through the database driver. Publishing is timed once per database: every table a report "
        "can show, cut from the answers and compared with the last release.\n\n"
        f"{table}\n\nTarget: the overview at 100k answers within {TARGET_RATIO:.0f}x the raw query. "
        + "; ".join(verdicts)
        + "."
    )
    write_section("dashboard-overview", "Dashboard overview API", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
