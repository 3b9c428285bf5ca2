"""A lost or changed id salt stops start-up instead of turning every returning person into
someone new (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.cli.launcher import REPO_ROOT
from bot.config import identity
from bot.config.shared_secrets import ID_SALT, secret_file
from bot.service.salt_guard import SaltProblem, check_id_salt
from bot.storage import repository
from bot.storage.db import session_scope


def _store_someone() -> None:
    with session_scope() as session:
        repository.record_consent(session, identity.respondent_id("rest", "someone"), "rest")


def test_the_first_start_records_the_salt_and_later_starts_with_it_pass(database_url):
    check_id_salt()  # nothing stored yet: the salt is generated and its fingerprint kept
    _store_someone()
    check_id_salt()
    assert secret_file(ID_SALT).exists()


def test_a_missing_salt_with_stored_data_stops_start_up(database_url):
    check_id_salt()
    _store_someone()
    secret_file(ID_SALT).unlink()
    identity.forget_loaded_keyring()
    with pytest.raises(SaltProblem, match=r"is not set .*\(1 respondent"):
        check_id_salt()
    assert not secret_file(ID_SALT).exists()  # no new salt was made up


def test_data_stored_before_fingerprints_existed_still_need_their_salt(database_url):
    _store_someone()  # stored by an older Sedia, which recorded no fingerprint
    secret_file(ID_SALT).unlink()
    identity.forget_loaded_keyring()
    with pytest.raises(SaltProblem, match="is not set"):
        check_id_salt()


def test_another_salt_stops_start_up(database_url, monkeypatch):
    check_id_salt()
    _store_someone()
    monkeypatch.setenv("SEDIA_ID_SALT", "a different salt")
    with pytest.raises(SaltProblem, match="not the one the stored data were keyed with"):
        check_id_salt()


def test_the_web_app_refuses_to_start_without_its_salt(sqlite_url):
    check_id_salt()
    _store_someone()
    env = {**os.environ, "SEDIA_ID_SALT": "not the salt"}
    started = subprocess.run(
        [sys.executable, "-m", "bot.dashboard", "--port", "1"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        started.returncode != 0
        and "SaltProblem" in started.stderr
        and "Restore the salt the data were keyed with" in started.stderr
    )
