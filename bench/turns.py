"""Per-turn latency, throughput, memory, training and start-up: Sedia beside a stock Rasa bot.

Run: `make bench` (or `.venv/bin/python -m bench.turns`). In one run it
- trains a stock `rasa init` bot in a temporary folder, and times training both bots;
- starts each bot (Sedia: the Rasa server, the action server and the web app, on a new
  SQLite database) and times start-up until the first reply;
- has 1, 10 and 50 users talk at once over REST: complete Sedia interviews (consent,
  profile, every question, summary), and stock-bot conversations of the same length;
- counts errors and, for Sedia, answers that were sent but not stored;
- samples the peak resident memory of every process;
- records a py-spy profile of Sedia's Rasa server and action server under 10 users.
It writes the tables, the plot (docs/benchmarks-latency.png) and the profiles into
docs/benchmarks.md. `--before PATH` also measures another checkout (with its trained
model in PATH/models) the same way, to show a change's effect.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import aiohttp

from bench import profiles
from bench.report import BENCHMARKS, write_section
from bot.cli.launcher import REPO_ROOT, VENV_BIN, Service, Stack, free_port

CONCURRENCY = (1, 10, 50)
SALT = "bench-salt"
PROFILE_SENTENCE = "I coordinate the MEd programme at UPM's education faculty, Serdang"
PROGRESS = re.compile(r"\((\d+)/(\d+)\)")
STOCK_SCRIPT = ("hello", "I am sad", "yes", "great, thanks", "I am feeling very good", "bye")
PLOT = BENCHMARKS.with_name("benchmarks-latency.png")
PROFILES = REPO_ROOT / "results" / "bench"
TURN_TIMEOUT = 300


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of `values` (share between 0 and 1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


@dataclass
class Load:
    """What one load run measured."""

    users: int
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    sent_answers: int = 0
    stored_answers: int = 0
    seconds: float = 0.0

    @property
    def turns_per_second(self) -> float:
        """Turns answered per second of wall time."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def lost_answers(self) -> int:
        """Answers sent that the database does not hold."""
        return self.sent_answers - self.stored_answers


Urls = Union[str, Sequence[str]]


class Talker:
    """One user's REST conversation with a bot, timing every turn. Given several URLs
    (replicas), the turns go to each in turn, as a round-robin load balancer sends them."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: Urls,
        sender: str,
        load: Load,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        self.session, self.sender, self.load = session, sender, load
        self.urls = itertools.cycle([url] if isinstance(url, str) else list(url))
        self.headers = headers or {}

    async def say(self, text: str) -> List[dict]:
        """Send one message; return the replies (an error counts and raises)."""
        started = time.perf_counter()
        try:
            async with self.session.post(
                next(self.urls),
                json={"sender": self.sender, "message": text},
                headers=self.headers,
                timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT),
            ) as response:
                body = await response.text()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {body[:200]}")
                replies = json.loads(body)
        except Exception:
            self.load.errors += 1
            raise
        self.load.latencies.append(time.perf_counter() - started)
        return replies


def _current_question(replies: List[dict]) -> Optional[Tuple[int, List[dict]]]:
    for reply in reversed(replies):
        match = PROGRESS.match(reply.get("text") or "")
        if match:
            return int(match.group(1)), reply.get("buttons") or []
    return None


def _finished(replies: List[dict]) -> bool:
    return any("sedia_summary" in (r.get("custom") or {}) for r in replies)


async def sedia_interview(talker: Talker, turns: int) -> None:
    """A complete assessment: greeting, consent, profile in one sentence, every question."""
    await talker.say("hello")
    await talker.say("/start_assessment")
    await talker.say("/affirm")
    replies = await talker.say(PROFILE_SENTENCE)
    for _ in range(turns):
        if _finished(replies):
            return
        question = _current_question(replies)
        if question is None:
            raise RuntimeError(f"no question in {replies}")
        number, buttons = question
        talker.load.sent_answers += 1
        if buttons:
            replies = await talker.say(buttons[number % 5]["payload"])
        else:
            replies = await talker.say(f"Time and money are our biggest issues (question {number}).")
    raise RuntimeError("the interview did not finish")


async def stock_conversation(talker: Talker, turns: int) -> None:
    """A stock-bot conversation of `turns` turns, round the moodbot's intents."""
    for turn in range(turns):
        await talker.say(STOCK_SCRIPT[turn % len(STOCK_SCRIPT)])


async def _run_users(
    url: Urls, users: int, conversation: Callable, turns: int, tag: str, headers: Optional[Dict[str, str]] = None
) -> Load:
    load = Load(users)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        talkers = [Talker(session, url, f"bench-{tag}-{users}-{i}", load, headers) for i in range(users)]
        started = time.perf_counter()
        results = await asyncio.gather(*(conversation(t, turns) for t in talkers), return_exceptions=True)
        load.seconds = time.perf_counter() - started
    for result in results:
        if isinstance(result, Exception):
            print(f"  a conversation failed: {result!r}"[:300], file=sys.stderr)
    return load


class MemoryWatch:
    """Samples the resident memory of processes (and their children) and keeps each peak."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids
        self.peaks: Dict[str, int] = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def _tree_rss(root: int) -> int:
        children: Dict[int, List[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for name, pid in self.pids.items():
                self.peaks[name] = max(self.peaks[name], self._tree_rss(pid))

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BotResult:
    """Everything measured for one bot."""

    name: str
    training_seconds: Optional[float] = None
    startup_seconds: float = 0.0
    loads: Dict[int, List[Load]] = field(default_factory=dict)
    peak_rss: Dict[str, int] = field(default_factory=dict)
    profiles: Dict[str, Path] = field(default_factory=dict)

    def median(self, users: int, measure: Callable[[Load], float]) -> float:
        """The median of a measure over the repetitions at this concurrency."""
        return statistics.median(measure(load) for load in self.loads[users])


def _first_reply(url: str, started: float, timeout: float = 600) -> float:
    """Seconds from `started` until the bot answers a greeting."""
    import urllib.request

    body = json.dumps({"sender": "bench-startup", "message": "hello"}).encode()
    while time.monotonic() - started < timeout:
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200 and json.loads(response.read()):
                    return time.monotonic() - started
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no reply from {url} within {timeout:.0f}s")


def _environment() -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_MAX_CACHE_SIZE": "0"})
    return env


def train_seconds(command: List[str], cwd: Path) -> float:
    """Seconds one `rasa train` takes (Rasa's cache off, so it trains everything)."""
    started = time.monotonic()
    subprocess.run(
        command, cwd=cwd, env=_environment(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.monotonic() - started


def prepare_stock_bot(folder: Path) -> Path:
    """A `rasa init` bot in `folder`, trained; returns its model."""
    rasa = str(VENV_BIN / "rasa")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [rasa, "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder.parent,
        env=_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return max((folder / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def _measure_loads(
    result: BotResult,
    url: Urls,
    conversation: Callable,
    turns: int,
    repeat: int,
    concurrency: Sequence[int],
    count_stored: Optional[Callable[[str], int]] = None,
    headers: Optional[Dict[str, str]] = None,
) -> None:
    asyncio.run(_run_users(url, 1, conversation, turns, f"{result.name}-warmup", headers))
    for users in concurrency:
        result.loads[users] = []
        for run in range(repeat if users < 50 else max(1, repeat - 1)):
            tag = re.sub(r"[^\w-]", "", f"{result.name}-r{run}")
            load = asyncio.run(_run_users(url, users, conversation, turns, tag, headers))
            if count_stored is not None:
                load.stored_answers = count_stored(f"bench-{tag}-{users}-")
            result.loads[users].append(load)
            print(
                f"  {result.name}: {users} users, run {run + 1}: p50 {percentile(load.latencies, 0.5) * 1000:.0f} ms, "
                f"p95 {percentile(load.latencies, 0.95) * 1000:.0f} ms, {load.turns_per_second:.1f} turns/s, "
                f"{load.errors} errors, {load.lost_answers} lost",
                flush=True,
            )


def bench_stock(folder: Path, repeat: int, concurrency: Sequence[int], turns: int, train: bool) -> BotResult:
    """Measure the stock `rasa init` bot."""
    result = BotResult("stock Rasa")
    bot = folder / "stock"
    model = prepare_stock_bot(bot)
    rasa = str(VENV_BIN / "rasa")
    if train:
        result.training_seconds = train_seconds([rasa, "train", "--out", str(folder / "stock-models")], bot)
    port = free_port()
    service = Service(
        "stock Rasa server",
        [rasa, "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"],
        f"http://127.0.0.1:{port}/",
        "",
        folder / "logs" / "stock.log",
        root=bot,
    )
    started = time.monotonic()
    service.start(_environment())
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    try:
        result.startup_seconds = _first_reply(url, started)
        with MemoryWatch({"Rasa server": service.process.pid}) as memory:
            _measure_loads(result, url, stock_conversation, turns, repeat, concurrency)
        result.peak_rss = memory.peaks
    finally:
        service.stop()
    return result


def _stored_counter(database: Union[Path, str]) -> Callable[[str], int]:
    """Counts the answers stored for a run's senders, in a SQLite file or at a database URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database if isinstance(database, str) else f"sqlite:///{database}")
    os.environ["SEDIA_ID_SALT"] = SALT
    from bot.config.identity import respondent_id

    def count(prefix: str) -> int:
        # The senders of one run are prefix + 0..n-1; their answers are keyed by pseudonym.
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT s.respondent_id AS rid, COUNT(*) AS n FROM answers a "
                    "JOIN assessments s ON s.id = a.assessment_id GROUP BY s.respondent_id"
                )
            ).all()
        by_respondent = {r.rid: r.n for r in rows}
        return sum(by_respondent.get(respondent_id("rest", f"{prefix}{i}"), 0) for i in range(200))

    return count


def bench_sedia(
    name: str, root: Path, folder: Path, repeat: int, concurrency: Sequence[int], turns: int, train: bool, profile: bool
) -> BotResult:
    """Measure Sedia (the checkout at `root`, with its trained model) on a new SQLite database."""
    result = BotResult(name)
    data = folder / re.sub(r"\W", "-", name)
    data.mkdir(parents=True)
    if train:
        result.training_seconds = train_seconds([str(VENV_BIN / "rasa"), "train", "--out", str(data / "models")], root)
    database = data / "sedia.db"
    env = {
        "SEDIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{database}",
        "SEDIA_ID_SALT": SALT,
        "RASA_MAX_CACHE_SIZE": "0",
    }
    stack = Stack(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        model=root / "models" / "sedia.tar.gz",
        log_dir=data / "logs",
        extra_env=env,
        root=root,
    )
    url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
    started = time.monotonic()
    stack.start(timeout=600)
    try:
        result.startup_seconds = _first_reply(url, started)
        pids = {s.name: s.process.pid for s in stack.services}
        with MemoryWatch(pids) as memory:
            _measure_loads(result, url, sedia_interview, turns, repeat, concurrency, _stored_counter(database))
            if profile:
                result.profiles = _profile(stack, data, url, turns)
        result.peak_rss = memory.peaks
    finally:
        stack.stop()
    return result


def _profile(stack: Stack, data: Path, url: str, turns: int) -> Dict[str, Path]:
    """py-spy profiles of the Rasa server and the action server under 10 users."""
    pids = {s.name: s.process.pid for s in stack.services if s.name in ("Rasa server", "action server")}
    # Kept after the run (results/ is not committed) for a closer look than the summary.
    with profiles.recording(pids, lambda name: PROFILES / f"{data.name}-{name.replace(' ', '-')}.txt") as outputs:
        asyncio.run(_run_users(url, 10, sedia_interview, turns, "profile"))
    return outputs


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores ({cpu}), {memory / 2**20:.0f} GiB, Python {platform.python_version()}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def tables(results: List[BotResult], stock: BotResult, repeat: int) -> str:
    """The Markdown body: latency, throughput, memory, start-up, ratios and targets."""
    lines = [
        f"Machine: {_machine()}. Each level ran {repeat} times (50 users: {max(1, repeat - 1)}) "
        "unless the runs column says otherwise; the figures are the medians over those runs of "
        "each run's percentile and throughput. A turn is one REST message and its replies, with "
        "the action server and the database writes in the path; one warm-up conversation ran "
        "before the first level.",
        "",
        "| bot | users | runs | p50 ms | p95 ms | p99 ms | turns/s | errors | lost answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for users, loads in result.loads.items():
            lost = sum(load.lost_answers for load in loads) if result is not stock else None
            lines.append(
                f"| {result.name} | {users} | {len(loads)} | "
                f"{_ms(result.median(users, lambda run: percentile(run.latencies, 0.5)))} | "
                f"{_ms(result.median(users, lambda run: percentile(run.latencies, 0.95)))} | "
                f"{_ms(result.median(users, lambda run: percentile(run.latencies, 0.99)))} | "
                f"{result.median(users, lambda run: run.turns_per_second):.1f} | {sum(run.errors for run in loads)} | "
                f"{'n/a' if lost is None else lost} |"
            )
    lines += [
        "",
        "| bot | training s | start-up to first reply s | peak RSS per process | total peak RSS |",
        "|---|---:|---:|---|---:|",
    ]
    for result in results:
        per = ", ".join(f"{name} {rss / 2**20:,.0f} MiB" for name, rss in result.peak_rss.items())
        training = f"{result.training_seconds:.0f}" if result.training_seconds is not None else "not timed"
        lines.append(
            f"| {result.name} | {training} | {result.startup_seconds:.1f} | {per} | "
            f"{sum(result.peak_rss.values()) / 2**30:.2f} GiB |"
        )
    lines += ["", "### Against the targets", ""]
    sedia = results[0]

    def p(result: BotResult, users: int, share: float) -> float:
        return result.median(users, lambda run: percentile(run.latencies, share))

    if 10 in sedia.loads and 10 in stock.loads:
        ratio = p(sedia, 10, 0.95) / p(stock, 10, 0.95)
        lines.append(
            f"- p95 with 10 users: {_ms(p(sedia, 10, 0.95))} ms against the stock bot's "
            f"{_ms(p(stock, 10, 0.95))} ms: **{ratio:.1f}x** (target 2x)."
        )
    if 1 in sedia.loads:
        lines.append(f"- One user alone, p50: **{_ms(p(sedia, 1, 0.5))} ms** (target 100 ms).")
    if 50 in sedia.loads:
        loads = sedia.loads[50]
        lines.append(
            f"- 50 users: {sum(run.errors for run in loads)} errors, {sum(run.lost_answers for run in loads)} lost "
            f"answers, p95 **{_ms(p(sedia, 50, 0.95))} ms** (target 0, 0 and 3,000 ms)."
        )
    lines.append(
        f"- Start-up to first reply: {sedia.startup_seconds:.0f} s against {stock.startup_seconds:.0f} s: "
        f"**{sedia.startup_seconds / stock.startup_seconds:.2f}x** (target 1.2x)."
    )
    lines.append(
        f"- Total peak RSS of Sedia's services: **{sum(sedia.peak_rss.values()) / 2**30:.2f} GiB** (target 2.5 GB)."
    )
    lines += ["", f"![p50 and p95 latency per turn against concurrent users]({PLOT.name})"]
    lines += ["", profile_section({r.name: r.profiles for r in results if r.profiles})]
    return "\n".join(lines)


def profile_section(recorded: Dict[str, Dict[str, Path]]) -> str:
    """Where each server's time went under 10 users, one column per bot that was profiled."""
    lines = [
        "### Where the time goes (py-spy, 10 users, one complete interview each)",
        "",
        "Each column profiled the same work: 10 users doing a complete interview at once. A share "
        "is the part of the server's busy samples (the event loop waiting is left out) with that "
        "part of a turn on the stack; parts overlap (a form's validation is an action-server call). "
        "The raw profiles are kept in `results/bench/` by the run.",
    ]
    for service, parts in (
        ("Rasa server", profiles.RASA_SERVER_PARTS),
        ("action server", profiles.ACTION_SERVER_PARTS),
    ):
        paths = {bot: files[service] for bot, files in recorded.items() if service in files}
        lines += ["", f"**{service}**", "", profiles.comparison(paths, parts)]
        top = next(iter(paths.values()), None)
        if top is not None and top.exists():
            lines += [
                "",
                f"The busiest functions of {next(iter(paths))}'s {service}:",
                "",
                profiles.markdown_table(top, 10),
            ]
    return "\n".join(lines)


def plot(results: List[BotResult]) -> None:
    """p50 and p95 per turn against concurrent users, for each bot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2))
    for result in results:
        users = sorted(result.loads)
        for share, style in ((0.5, "-o"), (0.95, "--s")):
            values = [result.median(u, lambda run, share=share: percentile(run.latencies, share)) * 1000 for u in users]
            axes.plot(users, values, style, label=f"{result.name} p{int(share * 100)}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(CONCURRENCY)
    axes.set_xticklabels([str(c) for c in CONCURRENCY])
    axes.set_xlabel("users talking at once")
    axes.set_ylabel("latency per turn (ms)")
    axes.set_title("Latency per turn over REST, 2 cores")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the benchmark and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per concurrency level (50 users: one fewer)")
    parser.add_argument("--users", type=int, nargs="+", default=list(CONCURRENCY))
    parser.add_argument("--before", type=Path, help="another checkout of Sedia to measure the same way")
    parser.add_argument("--before-users", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--before-repeat", type=int, default=2)
    parser.add_argument("--no-training", action="store_true", help="do not time training")
    parser.add_argument("--no-write", action="store_true", help="print, but leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    turns = 40  # an interview's 33 questions, with room; stock conversations use 37 turns
    with tempfile.TemporaryDirectory(prefix="sedia-bench-") as tmp:
        folder = Path(tmp)
        print("Stock Rasa bot...", flush=True)
        stock = bench_stock(folder, args.repeat, args.users, 37, not args.no_training)
        print("Sedia...", flush=True)
        results = [bench_sedia("Sedia", REPO_ROOT, folder, args.repeat, args.users, turns, not args.no_training, True)]
        if args.before:
            print(f"Sedia before ({args.before})...", flush=True)
            results.append(
                bench_sedia(
                    "Sedia before",
                    args.before.resolve(),
                    folder,
                    args.before_repeat,
                    args.before_users,
                    turns,
                    False,
                    True,
                )
            )
        results.append(stock)
        body = tables(results, stock, args.repeat)
        print(body)
        if not args.no_write:
            plot(results)
            write_section("turns", "Per-turn latency, throughput, memory and start-up against stock Rasa", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
