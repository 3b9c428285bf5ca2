"""Servers that start together each migrate the answers database on first use: they take
turns, so none fails on a table another just created."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from bot.cli.launcher import REPO_ROOT

STARTING_TOGETHER = 6


def test_several_processes_migrating_one_new_database_at_once_all_succeed(database_url):
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTING_TOGETHER)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in started]
    assert all(code == 0 for code, _ in results), [err[-400:] for code, err in results if code]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert len(versions) == 1
