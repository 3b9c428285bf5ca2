"""Does one slow query stall the dashboard's other requests? (issue 16, bug 7)

On a new PostgreSQL database with 10k answers, this starts the web app, measures the
latency of requests that do not touch the `releases` table (`/health`, the sign-in page,
the OpenAPI description), then takes an exclusive lock on `releases`, which every report
reads (issue 19), so that four overview requests wait on it, and measures the same requests again while they wait.
Before the handlers ran their queries on database threads, the first waiting overview
held Sanic's event loop, and every other request waited with it. It writes the table
to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

import requests

from bench.dashboard_data import generate
from bench.dashboard_overview import _database, p95, start_web_app
from bench.report import write_section
from bot.cli.launcher import REPO_ROOT, free_port
from bot.storage import accounts
from bot.storage.db import dispose_all, session_scope

PATHS = ("/health", "/dashboard/login", "/api/v1/openapi.json")
WAITING = 4
REPEAT = 30


def latencies(base: str) -> Dict[str, List[float]]:
    """Seconds per request, REPEAT times for each path."""
    found: Dict[str, List[float]] = {}
    for path in PATHS:
        found[path] = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            response = requests.get(base + path, timeout=60)
            found[path].append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
    return found


def main() -> None:
    """Measure, print and write the table."""
    folder = Path(tempfile.mkdtemp(prefix="sedia-slow-query-"))
    url, connect, drop = _database("postgresql", folder)
    web = None
    try:
        generate(url, 10_000)
        os.environ["DATABASE_URL"] = url
        with session_scope(url) as session:
            accounts.add_user(session, "bench", "bench password 1", "admin", None)
            token = accounts.issue_token(session, "bench", "benchmark")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SEDIA_TRACKER_URL": url,
            "SEDIA_DATA_DIR": str(folder),
            "SEDIA_ID_SALT": secrets.token_hex(32),  # the generated respondents need one
            "PYTHONPATH": str(REPO_ROOT),
        }
        web = start_web_app(env, port, folder)
        quiet = latencies(base)
        holder = connect()
        holder.cursor().execute("LOCK TABLE releases IN ACCESS EXCLUSIVE MODE")
        finished: List[float] = []

        def overview() -> None:
            requests.get(base + "/api/v1/overview", headers={"Authorization": f"Bearer {token}"}, timeout=300)
            finished.append(time.perf_counter())

        waiting = [threading.Thread(target=overview) for _ in range(WAITING)]
        for thread in waiting:
            thread.start()
        time.sleep(1.0)  # the overviews reach the lock
        held = latencies(base)
        still_waiting = WAITING - len(finished)
        released = time.perf_counter()
        holder.rollback()
        holder.close()
        for thread in waiting:
            thread.join()
        after_release = max(finished) - released
    finally:
        if web is not None:
            web.stop()
        dispose_all()
        drop()
    rows = [
        "| path | quiet median (ms) | quiet p95 | quiet max | while 4 overviews wait: median (ms) | p95 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for path in PATHS:
        q, h = quiet[path], held[path]
        rows.append(
            f"| `{path}` | {statistics.median(q) * 1000:.1f} | {p95(q) * 1000:.1f} | {max(q) * 1000:.1f} "
            f"| {statistics.median(h) * 1000:.1f} | {p95(h) * 1000:.1f} | {max(h) * 1000:.1f} |"
        )
    body = (
        f"PostgreSQL, 10k answers; {REPEAT} requests per path. An exclusive lock on `releases` (what every "
        "report reads) held "
        f"{WAITING} overview requests for the whole second column; {still_waiting} of them were still "
        f"waiting when it was measured, and all finished {after_release * 1000:.0f} ms after the lock "
        "was released. While the handlers ran their queries on the event loop, these requests "
        "waited for the lock too (tests/dashboard/test_api.py's slow-query test failed so).\n\n" + "\n".join(rows)
    )
    print(body)
    write_section("slow-query", "One slow query beside other dashboard requests", body)


if __name__ == "__main__":
    main()
