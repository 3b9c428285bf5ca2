"""Dashboard accounts on SQLite and PostgreSQL: roles, Argon2id hashes, lockout, sessions
and revocable API tokens, and the `python -m bot users` command."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli.launcher import REPO_ROOT
from bot.storage import accounts
from bot.storage.accounts import AccountError
from bot.storage.db import session_scope
from bot.storage.models import ApiToken, DashboardSession, DashboardUser, utcnow

PASSWORD = "twelve chars plus"


def _add(username="ana", role="manager", institution="Universiti Malaya", password=PASSWORD):
    with session_scope() as session:
        return accounts.add_user(session, username, password, role, institution)


def test_passwords_are_stored_as_argon2id_hashes(database_url):
    _add()
    with session_scope() as session:
        stored = session.execute(select(DashboardUser.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"role": "owner"}, "role must be one of"),
        ({"role": "admin"}, "admin sees every institution"),
        ({"role": "viewer", "institution": None}, "give --institution"),
        ({"password": "short"}, "at least 12"),
        ({"username": "has space"}, "user name"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(database_url, kwargs, message):
    with pytest.raises(AccountError, match=message):
        _add(**kwargs)


def test_a_name_is_taken_once_whatever_its_case(database_url):
    _add("Ana")
    with pytest.raises(AccountError, match="exists already"):
        _add("ana")


def test_sign_in_checks_the_password(database_url):
    _add()
    with session_scope() as session:
        assert accounts.authenticate(session, "ANA", PASSWORD).institution == "Universiti Malaya"
        assert accounts.authenticate(session, "ana", PASSWORD + "x") is None
        assert accounts.authenticate(session, "nobody", PASSWORD) is None


def test_five_failures_lock_a_name_even_against_the_right_password(database_url):
    _add()
    now = utcnow()
    with session_scope() as session:
        for _ in range(accounts.MAX_FAILURES):
            assert accounts.authenticate(session, "ana", "wrong password!", now) is None
        assert accounts.locked_until(session, "ana", now) == now + accounts.LOCKOUT
        assert accounts.authenticate(session, "ana", PASSWORD, now) is None
        later = now + accounts.LOCKOUT + timedelta(seconds=1)
        assert accounts.authenticate(session, "ana", PASSWORD, later) is not None
        assert accounts.locked_until(session, "ana", later) is None


def test_unknown_names_lock_the_same_way(database_url):
    with session_scope() as session:
        for _ in range(accounts.MAX_FAILURES):
            accounts.authenticate(session, "ghost", "whatever it is")
        assert accounts.locked_until(session, "ghost") is not None


def test_sessions_keep_only_a_hash_and_expire(database_url):
    account = _add()
    now = utcnow()
    with session_scope() as session:
        opened = accounts.open_session(session, account, now)
        stored = session.execute(select(DashboardSession.token_hash)).scalar_one()
        assert opened.cookie not in stored
        found, csrf = accounts.session_account(session, opened.cookie, now)
        assert found.username == "ana" and csrf == opened.csrf_token
        assert accounts.session_account(session, opened.cookie, now + accounts.SESSION_LIFETIME) is None
        accounts.close_session(session, opened.cookie)
        assert accounts.session_account(session, opened.cookie, now) is None


def test_tokens_work_until_revoked(database_url):
    _add()
    with session_scope() as session:
        first = accounts.issue_token(session, "ana")
        second = accounts.issue_token(session, "ana")
        assert session.execute(select(ApiToken.token_hash)).scalars().all().count(first) == 0
        assert accounts.token_account(session, first).username == "ana"
        token_id = first.split("_")[1]
        assert accounts.revoke_tokens(session, "ana", token_id) == 1
        assert accounts.token_account(session, first) is None
        assert accounts.token_account(session, second) is not None
        assert accounts.revoke_tokens(session, "ana") == 1
        assert accounts.token_account(session, second) is None
        assert accounts.token_account(session, "sedia_forged_token") is None


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "users", *args],
        cwd=REPO_ROOT,
        env=dict(os.environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_users_command_reads_the_password_from_stdin(sqlite_url):
    added = _cli("add", "Root", "--role", "admin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "created admin root" in added.stdout
    refused = _cli("add", "m", "--role", "manager", stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "give --institution" in refused.stderr
    token = _cli("token", "root").stdout.strip()
    assert token.startswith("sedia_")
    with session_scope() as session:
        assert accounts.token_account(session, token).role == "admin"
    assert "revoked 1 token(s) of root" in _cli("revoke", "root").stdout
    listed = _cli("list").stdout
    assert "root\tadmin\t(all institutions)" in listed and PASSWORD not in listed
    assert _cli("token", "nobody").returncode == 2
