"""Does one conversation waiting on a slow query stall the others? (issue 16, bug 7)

On the production topology (PostgreSQL tracker store and answers, Redis lock store), one
user answers the interview's questions while a second user's turn waits on a row lock
held by another transaction, as it would behind a slow query. It measures the first
user's turns three times:
- quiet, with nothing held;
- while the second user's turn waits in the tracker store (its conversation's row in
  `conversation_index` is locked, so saving the turn waits);
- while the second user's turn waits in the action server (its assessment row is locked,
  so storing the answer waits).

While the tracker store and the actions ran their queries on the servers' event loops,
the waiting turn held the loop and every other conversation waited with it. The table
goes to docs/benchmarks.md (section `slow-conversation`).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bench.dashboard_overview import p95
from bench.report import write_section
from tests.bot_api_standin import wait_until
from tests.conftest import rows_locked, sessions_waiting_for_a_lock
from tests.production.conftest import (
    ASSESSMENT_ROW,
    TRACKER_ROW,
    HeldTurn,
    RunningProduction,
    running_production,
    start_interview,
)

TURNS = 10
PHASES = ("quiet", "the tracker store", "the action server")


def _turns(chat, count: int) -> List[float]:
    """Seconds per turn for `count` answers."""
    found = []
    for _ in range(count):
        started = time.perf_counter()
        chat.say("agree")
        found.append(time.perf_counter() - started)
    return found


def measure(production: RunningProduction) -> Dict[str, Dict[str, object]]:
    """The other user's turn times in each phase, and how long the waiting turn took."""
    going_on, waiting = production.chat(0), production.chat(0)
    start_interview(going_on)
    start_interview(waiting)
    url = production.database_url
    found: Dict[str, Dict[str, object]] = {"quiet": {"turns": _turns(going_on, TURNS), "waiting": None}}
    for phase in PHASES[1:]:
        if phase == "the tracker store":
            lock = rows_locked(url, TRACKER_ROW, sender=waiting.sender)
        else:
            lock = rows_locked(url, ASSESSMENT_ROW, respondent=production.db.respondent(waiting.sender))
        with lock as locked:
            assert locked == 1, f"nothing to lock for {phase}"
            turn = HeldTurn(waiting, "agree")
            wait_until(lambda: sessions_waiting_for_a_lock(url) >= 1, 60, f"{phase} to wait for the held row")
            turns = _turns(going_on, TURNS)
            still_waiting = turn.thread.is_alive()
        turn.finish()
        found[phase] = {"turns": turns, "waiting": turn.seconds, "still_waiting": still_waiting}
    return found


def table(found: Dict[str, Dict[str, object]]) -> str:
    """The markdown table."""
    rows = [
        "| another conversation waits in | turns | median (ms) | p95 | max | the waiting turn took (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for phase in PHASES:
        turns = found[phase]["turns"]
        waiting = found[phase]["waiting"]
        took = "" if waiting is None else f"{waiting * 1000:.0f}"
        if found[phase].get("still_waiting") is False:
            took += " (finished early)"
        label = "nothing (quiet)" if phase == "quiet" else phase
        rows.append(
            f"| {label} | {len(turns)} | {statistics.median(turns) * 1000:.0f} | "
            f"{p95(turns) * 1000:.0f} | {max(turns) * 1000:.0f} | {took} |"
        )
    return "\n".join(rows)


def main() -> None:
    """Measure, print and write the table."""
    with running_production(Path(tempfile.mkdtemp(prefix="sedia-slow-conversation-"))) as production:
        found = measure(production)
    body = (
        "The production topology (two Rasa servers, both conversations on the first; PostgreSQL, "
        f"Redis). One user answers {TURNS} questions in each row; in the last two rows a second "
        "user's answer waits all that time on a row lock that another transaction holds, and "
        "finishes when it is released (last column). Had either server's event loop waited "
        "with the held turn, each of the first user's turns would have waited until the "
        "release; tests/production/test_replicas.py checks that they do not, without timing "
        "them, and fails when the tracker store or the actions run on their loops.\n\n" + table(found)
    )
    print(body)
    write_section("slow-conversation", "One conversation waiting on a slow query beside another", body)


if __name__ == "__main__":
    main()
