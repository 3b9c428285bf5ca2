"""The production topology under load, beside `make run`, in one run.

Run: `make bench-production` (or `.venv/bin/python -m bench.production`). It starts
- `make run`'s stack (one Rasa server, SQLite), and
- `make run-prod`'s stack (two Rasa servers sharing a PostgreSQL tracker store and the
  Redis lock store, the action server, the web app on PostgreSQL), on a new database,
and has 10 and 50 users each complete an interview at once over REST (`make run-prod`'s
turns go round-robin to both Rasa servers, as a load balancer without sticky sessions
would send them, with the REST bearer token). It reports turns per second, p50 and p95
latency, errors and lost answers (sent but not stored), and records a py-spy profile of
every server process of the production stack under 50 users, to say what limits it.
The table goes to docs/benchmarks.md (section `production`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import redis

from bench import profiles
from bench.report import write_section
from bench.turns import (
    SALT,
    BotResult,
    MemoryWatch,
    _first_reply,
    _machine,
    _measure_loads,
    _ms,
    _run_users,
    _stored_counter,
    percentile,
    sedia_interview,
)
from bot.cli.launcher import Production, Stack, free_port
from tests.conftest import postgres_database

USERS = (10, 50)
TURNS = 40
REDIS_URL = "redis://127.0.0.1:6379/12"
TOKEN = "bench-rest-token"
PROFILES = Path(__file__).resolve().parents[1] / "results" / "bench"
# Parts of a Rasa server's turn (bench/profiles.py), and the lock store's share.
RASA_PARTS = {
    **profiles.RASA_SERVER_PARTS,
    "waiting for and taking the lock (Redis)": ("lock (rasa/core/lock_store.py",),
}


def _measure(name: str, stack: Stack, database: str, users: Sequence[int], profile: bool) -> BotResult:
    """Start `stack`, run the loads, and stop it."""
    result = BotResult(name)
    urls = [f"http://127.0.0.1:{port}/webhooks/rest/webhook" for port in stack.rasa_ports]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    started = time.monotonic()
    stack.start(timeout=600)
    try:
        result.startup_seconds = _first_reply_with_token(urls, started, headers if stack.production else None)
        pids = {s.name: s.process.pid for s in stack.services}
        with MemoryWatch(pids) as memory:
            _measure_loads(
                result,
                urls,
                sedia_interview,
                TURNS,
                1,
                users,
                _stored_counter(database),
                headers if stack.production else None,
            )
            if profile:
                result.profiles = _profile(stack, urls, headers)
        result.peak_rss = memory.peaks
    finally:
        stack.stop()
    return result


def _first_reply_with_token(urls: List[str], started: float, headers: Optional[Dict[str, str]]) -> float:
    if headers is None:
        return _first_reply(urls[0], started)
    import asyncio

    while True:  # every server up and answering
        load = asyncio.run(_run_users(urls, 1, _greet_each, 0, "startup", headers))
        if not load.errors:
            return time.monotonic() - started
        time.sleep(0.5)


async def _greet_each(talker, turns: int) -> None:
    await talker.say("hello")
    await talker.say("hello")


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


CPU: Dict[str, float] = {}


def _profile(stack: Stack, urls: List[str], headers: Dict[str, str]) -> Dict[str, Path]:
    """py-spy profiles of every server process under 50 users, and where the CPU went."""
    import asyncio

    pids = {s.name: s.process.pid for s in stack.services}
    with profiles.recording(pids, lambda name: PROFILES / f"production-{name.replace(' ', '-')}.txt") as outputs:
        cpu_before = {s.name: _cpu_seconds(s.process.pid) for s in stack.services}
        busy_before, total_before = _machine_busy()
        started = time.monotonic()
        asyncio.run(_run_users(urls, 50, sedia_interview, TURNS, "profile", headers))
        wall = time.monotonic() - started
        busy_after, total_after = _machine_busy()
        for service in stack.services:
            CPU[service.name] = (_cpu_seconds(service.process.pid) - cpu_before[service.name]) / wall
        CPU["whole machine"] = (busy_after - busy_before) / (total_after - total_before) * (os.cpu_count() or 1)
    return outputs


def table(results: List[BotResult], users: Sequence[int]) -> str:
    """The comparison table."""
    lines = [
        "| Stack | Users | Turns/s | p50 | p95 | Errors | Lost answers |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for count in users:
        for result in results:
            load = result.loads[count][0]
            lines.append(
                f"| {result.name} | {count} | {load.turns_per_second:.1f} | {_ms(percentile(load.latencies, 0.5))} | "
                f"{_ms(percentile(load.latencies, 0.95))} | {load.errors} | {load.lost_answers} |"
            )
    return "\n".join(lines)


def memory_table(results: List[BotResult]) -> str:
    lines = ["| Stack | Process | Peak memory |", "|---|---|---:|"]
    for result in results:
        for name, peak in result.peak_rss.items():
            lines.append(f"| {result.name} | {name} | {peak / 2**30:.2f} GiB |")
    return "\n".join(lines)


def cpu_table() -> str:
    """Cores each process kept busy during the 50-user run (1.00 = one whole core)."""
    lines = ["| Process | Cores busy |", "|---|---:|"]
    lines += [f"| {name} | {cores:.2f} |" for name, cores in CPU.items()]
    return "\n".join(lines)


def profile_section(recorded: Dict[str, Path]) -> str:
    """Where the production stack's servers spent their busy samples."""
    rasa = {name: path for name, path in recorded.items() if name.startswith("Rasa server") and path.exists()}
    lines = [profiles.comparison(rasa, RASA_PARTS)]
    actions = recorded.get("action server")
    if actions is not None and actions.exists():
        lines += ["", profiles.comparison({"action server": actions}, profiles.ACTION_SERVER_PARTS)]
    first = next(iter(rasa.values()), None)
    if first is not None:
        lines += ["", "The busiest functions of the first Rasa server:", "", profiles.markdown_table(first, 10)]
    return "\n".join(lines)


def limits(recorded: Dict[str, Path]) -> str:
    """What limits the production stack, in numbers from this run's CPU and profiles."""
    rasa = [path for name, path in recorded.items() if name.startswith("Rasa server") and path.exists()]
    if not rasa or "whole machine" not in CPU:
        return ""
    shares = [profiles.part_shares(path, RASA_PARTS)[1] for path in rasa]

    def share(part: str) -> str:
        return f"{sum(s[part] for s in shares) / len(shares) * 100:.0f}%"

    servers = sum(cores for name, cores in CPU.items() if name.startswith("Rasa server"))
    return (
        f"**What limits it.** The CPU: the whole machine was {CPU['whole machine']:.1f} of its "
        f"{os.cpu_count()} cores busy, the Rasa servers {servers:.1f} of them, the action server "
        f"{CPU.get('action server', 0):.1f}, and PostgreSQL, Redis and the load generator (on the same "
        f"machine) the rest. Within a Rasa server, predicting the next action takes "
        f"{share('policy prediction')} and the NLU {share('NLU pipeline (parse_message)')}, as with one "
        f"server. What the topology adds is reading back what the other server wrote "
        f"({share('loading the tracker from the store')}): turns that alternate between the servers "
        "find the other server's write, and a server reads the events it added from PostgreSQL "
        "instead of using the tracker it saved last as it stands. The lock store takes "
        f"{share('waiting for and taking the lock (Redis)')}. More cores, with more Rasa replicas on "
        "them, raise throughput; routing each conversation to one server (the widget's websocket "
        "does so by itself) avoids the re-reads."
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Run both stacks under load and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=list(USERS))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    redis.Redis.from_url(REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory(prefix="sedia-bench-prod-") as tmp, postgres_database() as url:
        folder = Path(tmp)
        dev_db = f"sqlite:///{folder / 'dev' / 'sedia.db'}"
        common = {"SEDIA_ID_SALT": SALT, "RASA_MAX_CACHE_SIZE": "0"}
        print("make run...", flush=True)
        dev = Stack(
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port(),
            log_dir=folder / "dev" / "logs",
            extra_env={**common, "SEDIA_DATA_DIR": str(folder / "dev"), "DATABASE_URL": dev_db},
        )
        results = [_measure("make run", dev, dev_db, args.users, False)]
        print("make run-prod...", flush=True)
        prod = Stack(
            rasa_port=free_port(),
            replica_ports=[free_port()],
            actions_port=free_port(),
            web_port=free_port(),
            log_dir=folder / "prod" / "logs",
            production=Production(url, REDIS_URL),
            extra_env={
                **common,
                "SEDIA_DATA_DIR": str(folder / "prod"),
                "DATABASE_URL": url,
                "SEDIA_TRACKER_URL": url,
                "SEDIA_REDIS_URL": REDIS_URL,
                "SEDIA_REST_TOKEN": TOKEN,
            },
        )
        results.append(_measure("make run-prod", prod, url, args.users, True))
    body = "\n\n".join(
        [
            f"Machine: {_machine()}. One complete interview per user (consent, profile, 33 questions, "
            "summary); `make run-prod`'s turns alternate between its two Rasa servers.",
            table(results, args.users),
            "Start-up until every Rasa server answers: "
            + ", ".join(f"{r.name} {r.startup_seconds:.0f} s" for r in results)
            + ".",
            memory_table(results),
            "Where the CPU went while 50 users completed interviews on `make run-prod` (each "
            "process with its children; PostgreSQL and Redis are the rest of the whole machine):",
            cpu_table(),
            "What `make run-prod`'s servers spent their busy samples on under 50 users (py-spy; "
            "share of each process's busy samples with that part on the stack):",
            profile_section(results[-1].profiles),
            limits(results[-1].profiles),
        ]
    )
    print(body)
    if not args.no_write:
        write_section("production", "The production topology under load, beside make run", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
