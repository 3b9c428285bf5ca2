"""Dashboard accounts on SQLite and PostgreSQL: roles, Argon2id hashes, sessions, named API
tokens that expire, the account lifecycle (disable, enable, remove, new password, revoke),
and the `python -m bot users` command. The sign-in rate limits are tests/unit/test_rate_limits.py's."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.storage import accounts
from bot.storage.accounts import AccountError
from bot.storage.db import session_scope
from bot.storage.models import ApiToken, DashboardSession, DashboardUser, utcnow
from tests.conftest import run_bot

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


def test_an_unknown_or_disabled_name_costs_the_same_argon2_check(database_url):
    _add()
    with session_scope() as session:
        accounts.disable_user(session, "ana")
        for name in ("ana", "ghost"):
            record = accounts.sign_in_record(session, name)
            assert record.user_id is None and record.password_hash.startswith("$argon2id$")
            assert not accounts.password_matches(record, PASSWORD)


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


def test_tokens_are_named_work_until_they_expire_or_are_revoked(database_url):
    _add()
    now = utcnow()
    with session_scope() as session:
        first = accounts.issue_token(session, "ana", "monthly report", days=30, now=now)
        second = accounts.issue_token(session, "ana", "faculty script", now=now)
        assert session.execute(select(ApiToken.token_hash)).scalars().all().count(first) == 0
        assert accounts.token_account(session, first, now).username == "ana"
        assert accounts.token_account(session, first, now + timedelta(days=30)) is None
        listed = {t.name: t for t in accounts.list_tokens(session, "ana")}
        assert listed["monthly report"].expires_at == now + timedelta(days=30)
        assert listed["faculty script"].expires_at == now + timedelta(days=accounts.DEFAULT_TOKEN_DAYS)
        token_id = first.split("_")[1]
        assert accounts.revoke_tokens(session, "ana", token_id) == 1
        assert accounts.token_account(session, first, now) is None
        assert accounts.token_account(session, second, now) is not None
        assert accounts.revoke_tokens(session, "ana") == 1
        assert accounts.token_account(session, second, now) is None
        assert accounts.token_account(session, "sedia_forged_token") is None
        for name, days in (("", 30), ("x" * 65, 30), ("ok", 0), ("ok", 366)):
            with pytest.raises(AccountError):
                accounts.issue_token(session, "ana", name, days)


def test_a_disabled_user_has_no_sign_in_session_or_token_until_enabled(database_url):
    account = _add()
    _add("root", "admin", None)
    with session_scope() as session:
        opened = accounts.open_session(session, account)
        token = accounts.issue_token(session, "ana", "script")
        accounts.disable_user(session, "ana")
        assert accounts.authenticate(session, "ana", PASSWORD) is None
        assert accounts.session_account(session, opened.cookie) is None
        assert accounts.token_account(session, token) is None
        accounts.enable_user(session, "ana")
        assert accounts.authenticate(session, "ana", PASSWORD) is not None
        assert accounts.token_account(session, token) is not None
        # Disabling ended the session for good: enabling does not bring it back.
        assert accounts.session_account(session, opened.cookie) is None


def test_a_new_password_signs_the_user_out_everywhere(database_url):
    account = _add()
    with session_scope() as session:
        opened = accounts.open_session(session, account)
        with pytest.raises(AccountError, match="at least 12"):
            accounts.change_password(session, "ana", "short")
        assert accounts.change_password(session, "ana", "a brand new passphrase") == 1
        assert accounts.session_account(session, opened.cookie) is None
        assert accounts.authenticate(session, "ana", PASSWORD) is None
        assert accounts.authenticate(session, "ana", "a brand new passphrase") is not None


def test_removing_a_user_takes_their_sessions_and_tokens_and_never_the_last_admin(database_url):
    account = _add()
    root = _add("root", "admin", None)
    with session_scope() as session:
        accounts.open_session(session, account)
        token = accounts.issue_token(session, "ana", "script")
        assert accounts.remove_user(session, "ana") == "ana"
        assert accounts.token_account(session, token) is None
        assert session.execute(select(DashboardSession)).scalars().all() == []
        for refused in (accounts.remove_user, accounts.disable_user):
            with pytest.raises(AccountError, match="only enabled admin"):
                refused(session, "root")
        assert [a.username for a in accounts.list_users(session)] == [root.username]


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return run_bot("users", *args, stdin=stdin)


def test_the_users_command_reads_the_password_from_stdin(sqlite_url):
    added = _cli("add", "Root", "--role", "admin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "created admin root" in added.stdout
    refused = _cli("add", "m", "--role", "manager", stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "give --institution" in refused.stderr
    token = _cli("token", "root", "--name", "nightly export").stdout.strip()
    assert token.startswith("sedia_")
    with session_scope() as session:
        assert accounts.token_account(session, token).role == "admin"
    assert "nightly export" in _cli("tokens", "root").stdout
    assert "revoked 1 token(s) of root and ended 0 session(s)" in _cli("revoke", "root").stdout
    listed = _cli("list").stdout
    assert "root\tadmin\t(all institutions)" in listed and PASSWORD not in listed
    assert _cli("token", "nobody", "--name", "x").returncode == 2
    assert _cli("token", "root").returncode == 2  # a token needs a name


def test_the_users_command_runs_the_account_lifecycle(sqlite_url):
    _cli("add", "root", "--role", "admin", stdin=PASSWORD + "\n")
    _cli("add", "ana", "--role", "viewer", "--institution", "UM", stdin=PASSWORD + "\n")
    assert "disabled ana" in _cli("disable", "ana").stdout
    assert "ana\tviewer\tUM\tdisabled" in _cli("list").stdout
    assert "enabled ana" in _cli("enable", "ana").stdout
    changed = _cli("passwd", "ana", stdin="another long passphrase\n")
    assert changed.returncode == 0 and "changed the password of ana" in changed.stdout
    with session_scope() as session:
        assert accounts.authenticate(session, "ana", "another long passphrase") is not None
    assert "removed ana" in _cli("remove", "ana").stdout
    last = _cli("remove", "root")
    assert last.returncode == 2 and "only enabled admin" in last.stderr
