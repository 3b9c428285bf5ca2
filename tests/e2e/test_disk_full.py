"""The disk fills up under the SQLite databases (issue 16, fault tests): the user is told
to try again, nothing half-written is left, and once there is room again the interview
goes on with every answer stored once. The stack runs on a small tmpfs of its own."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.conftest import Running, running_sedia
from tests.e2e.interviews import INSTRUMENT

DISK = "48m"


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("small-disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def sedia_on_small_disk(small_disk) -> Iterator[Running]:
    with running_sedia(small_disk, with_web=False) as running:
        yield running


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:  # unbuffered: nothing left to flush on close
        block = b"\0" * (1 << 20)
        try:
            while True:
                out.write(block)
        except OSError:
            pass
        try:  # the last bytes too
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def _intact(database: Path) -> bool:
    with sqlite3.connect(database) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_full_disk_gets_a_clear_reply_and_the_databases_stay_intact(sedia_on_small_disk, small_disk):
    sedia = sedia_on_small_disk
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    chat.say("agree")
    first, second, third = INSTRUMENT.items[:3]
    assert chat.current_item() == second
    filler = _fill(small_disk)
    try:
        for _ in range(3):
            status, replies = chat.call("2")
            assert status in (200, 503), (status, replies)
            assert any("try again in a moment" in (r.get("text") or "") for r in replies), replies
    finally:
        filler.unlink()
    for database in ("sedia.db", "conversations.db"):
        assert _intact(small_disk / database), database
    chat.say("2")
    assert chat.current_item() == third, chat.texts
    rows = sedia.db.answers(chat.sender)
    assert [(r["item"], r["value"]) for r in rows] == [(first.id, 4), (second.id, 2)]
