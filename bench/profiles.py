"""Sampling profiles of Sedia's servers with py-spy, summarised as "where the time goes".

`py-spy record --format raw` writes one line per distinct stack: the frames from the
outermost to the innermost, separated by ";", then the number of samples. The summary
gives each function's inclusive share (the samples in which it is anywhere on the stack)
and its own share (the samples in which it is the innermost frame).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

# A frame as py-spy writes it: "function (path/to/module.py:123)".
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^:()]+)(?::\d+)?\)$")
# Frames of the waiting event loop or idle threads: not work.
# (Sanic runs uvloop, whose loop is C code: an idle server shows its `serve` frame last.)
IDLE = (
    "select (selectors.py",
    "_run_once (asyncio/base_events.py",
    "wait (threading.py",
    "poll (",
    "serve (sanic/server/runners.py",
    "run_forever (",
    "_worker (concurrent/futures/thread.py",
)


@dataclass(frozen=True)
class Hotspot:
    """One function's part of a profile."""

    function: str
    inclusive: float
    own: float


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("path")
    for marker in ("site-packages/", "lib/python3.10/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match.group('function')} ({path})"


def read_raw(path: Path) -> List[Tuple[List[str], int]]:
    """The stacks of a py-spy raw profile, each with its sample count."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append(([_name(f) for f in frames.split(";")], int(count)))
    return stacks


def summarise(path: Path, top: int = 12, busy_only: bool = True) -> Tuple[int, List[Hotspot]]:
    """The busy samples and the functions with the largest inclusive share of them."""
    inclusive: Dict[str, int] = Counter()
    own: Dict[str, int] = Counter()
    total = 0
    for frames, count in read_raw(path):
        if busy_only and any(frames[-1].startswith(idle) for idle in IDLE):
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    if not total:
        return 0, []
    # The server's entry points and request plumbing are on most stacks; they say
    # nothing about where the time goes.
    interesting = [(n, c) for n, c in inclusive.items() if c < total * 0.7]
    ranked = sorted(interesting, key=lambda item: item[1], reverse=True)[:top]
    return total, [Hotspot(n, c / total, own.get(n, 0) / total) for n, c in ranked]


# Where a Rasa server's time goes, by the frame that marks each part of a turn.
RASA_SERVER_PARTS: Dict[str, Tuple[str, ...]] = {
    "NLU pipeline (parse_message)": ("parse_message (rasa/core/processor.py",),
    "policy prediction": ("_predict_next_with_tracker (rasa/core/processor.py",),
    "action-server calls, all of them": ("run (rasa/core/actions/action.py",),
    "validating action-server responses": ("_validate_action_result (", "validate_action_result ("),
    "encoding the tracker for action calls": ("_action_call_format (", "action_call_format ("),
    "loading the tracker from the store": ("fetch_tracker_and_update_session (",),
    "saving the tracker to the store": ("save_tracker (rasa/core/processor.py",),
    "forms (Rasa's FormAction)": ("run (rasa/core/actions/loops.py",),
}
ACTION_SERVER_PARTS: Dict[str, Tuple[str, ...]] = {
    "Sedia's actions (rasa_sdk executor)": ("run (rasa_sdk/executor.py",),
    "writing answers (SQL)": ("record_answer (bot/storage/repository.py",),
    "consent checks (SQL)": ("has_consent (bot/storage/repository.py",),
    "decoding the request JSON": ("load_json (sanic/request.py",),
    "encoding the response JSON": ("dumps (",),
}


def part_shares(path: Path, parts: Dict[str, Tuple[str, ...]]) -> Tuple[int, Dict[str, float]]:
    """Busy samples, and the share of them in which each part is on the stack."""
    busy = [(f, c) for f, c in read_raw(path) if not any(f[-1].startswith(idle) for idle in IDLE)]
    total = sum(c for _, c in busy)
    shares = {}
    for label, markers in parts.items():
        hits = sum(c for frames, c in busy if any(frame.startswith(m) for frame in frames for m in markers))
        shares[label] = hits / total if total else 0.0
    return total, shares


def comparison(paths: Dict[str, Path], parts: Dict[str, Tuple[str, ...]]) -> str:
    """A Markdown table of each part's share of the busy samples, one column per profile."""
    columns = {name: part_shares(path, parts) for name, path in paths.items() if path.exists()}
    if not columns:
        return "(no profile recorded)"
    lines = ["| part of the work | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for label in parts:
        lines.append(f"| {label} | " + " | ".join(f"{shares[label]:.0%}" for _, shares in columns.values()) + " |")
    lines.append("| busy samples (50 a second) | " + " | ".join(str(total) for total, _ in columns.values()) + " |")
    return "\n".join(lines)


# Frames that only carry a request to the code that does the work.
PLUMBING = (
    "dask/",
    "sanic/",
    "asyncio/",
    "rasa/engine/",
    "rasa/cli/",
    "rasa/__main__",
    "rasa/api.py",
    "rasa/core/run.py",
    "rasa/core/agent.py",
    "rasa/core/channels/",
    "<module>",
    "handle_request (",
    "connection_task (",
    "http1 (",
    "process ",
)


def markdown_table(path: Path, top: int = 12) -> str:
    """A profile summary as a Markdown table, without the request plumbing."""
    total, spots = summarise(path, top * 4)
    spots = [s for s in spots if not any(p in s.function for p in PLUMBING)][:top]
    rows = [f"{total} busy samples.", "", "| inclusive | own | function |", "|---:|---:|---|"]
    rows += [f"| {s.inclusive:.0%} | {s.own:.0%} | `{s.function}` |" for s in spots]
    return "\n".join(rows)


class Recorder:
    """py-spy recording one running process (and its children) until stopped."""

    def __init__(self, pid: int, out: Path, rate: int = 50) -> None:
        self.out = out
        self.command = [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--subprocesses",
            "--nonblocking",
            "-o",
            str(out),
        ]
        self.process: Optional[subprocess.Popen] = None

    def __enter__(self) -> "Recorder":
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def recording(pids: Dict[str, int], out_for: Callable[[str], Path]) -> Iterator[Dict[str, Path]]:
    """py-spy recording each named process (and its children) for the length of the block;
    yields where each profile is written."""
    outputs = {name: out_for(name) for name in pids}
    recorders = []
    for name, pid in pids.items():
        outputs[name].parent.mkdir(parents=True, exist_ok=True)
        recorders.append(Recorder(pid, outputs[name]))
    for recorder in recorders:
        recorder.__enter__()
    try:
        time.sleep(2)  # py-spy attaches
        yield outputs
    finally:
        for recorder in recorders:
            recorder.__exit__(None, None, None)


def py_spy() -> str:
    """The py-spy executable of this virtual env (installed by `make bench`)."""
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else (shutil.which("py-spy") or "py-spy")


if __name__ == "__main__":
    print(markdown_table(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 12))
