"""Sedia's command line: `python -m bot <command>`.

Commands:
  export [--format csv|json] [--institution NAME]   print every stored answer
  db upgrade [--create]                             apply the database migrations (--create:
                                                    create the databases and Rasa's table first)
  sync-rasa [--check]                               regenerate domain.yml and the form rules
  endpoints --out PATH                              write this server's Rasa endpoints file
  purge [--days N]                                  delete what is past its retention period
                                                    (SEDIA_RETENTION_DAYS, or N days) and say
                                                    how many of each kind went
  publish                                           publish a new release of the aggregate
                                                    figures (the web app does so daily)
  institutions add NAME [--faculty F]...            put an institution (and faculties) on the
                                                    managed list; other names are kept as "Other"
  institutions remove NAME [--faculty F]...         take faculties, or the institution, off it
  institutions list                                 the managed list, and who requires a sign-in
  institutions require-sign-in NAME [--off]         count only respondents signed in for NAME
                                                    (or stop requiring it)
  institutions invite NAME [--count N] [--days D]   print N one-use invitation codes (Telegram)
  salt rotate [--keyring-out PATH]                  add a new id salt and re-key every stored
                                                    pseudonym (stop every server first)
  users add USERNAME --role ROLE [--institution N]  create a dashboard user (password from stdin)
  users list                                        list dashboard users
  users disable|enable USERNAME                     stop a user signing in (and end their
                                                    sessions), or let them again
  users remove USERNAME                             delete a user, their sessions and tokens
  users passwd USERNAME                             set a new password (stdin); signs them out
  users token USERNAME --name NAME [--days N]       print a new named API token (default 90 days)
  users tokens USERNAME                             list a user's API tokens
  users revoke USERNAME [--token ID]                revoke a user's API tokens and sessions
                                                    (or one token)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, List, Optional


def _export(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope
    from bot.storage.export import export_rows, write_csv, write_json

    with session_scope() as session:
        rows = export_rows(session, institution=args.institution)
    (write_csv if args.format == "csv" else write_json)(rows, sys.stdout)
    return 0


def _db(args: argparse.Namespace) -> int:
    from bot.config.settings import database_url, tracker_url
    from bot.storage.db import create_database_if_missing, upgrade

    if args.create and create_database_if_missing():
        print(f"created database {database_url().split('@')[-1]}")
    upgrade()
    print(f"database is up to date: {database_url().split('@')[-1]}")
    if args.create:
        from bot.rasa_glue.tracker_store import ConsentAwareTrackerStore

        if tracker_url() != database_url():
            create_database_if_missing(tracker_url())
        ConsentAwareTrackerStore(host=tracker_url())  # creates Rasa's table if missing
        print(f"conversation store is ready: {tracker_url().split('@')[-1]}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot.service.retention import purge

    report = purge(days=args.days)
    print(report.lines() or "nothing was due")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from bot.service.releases import publish

    print(publish().describe())
    return 0


def _institution_action(session: Any, args: argparse.Namespace) -> str:
    from bot.storage import institution_list, sign_ins

    if args.action == "add":
        added = institution_list.add(session, args.name, args.faculty)
        return "\n".join(f"listed {name}" for name in added) or "already listed"
    if args.action == "remove":
        removed = institution_list.remove(session, args.name, args.faculty)
        return "\n".join(f"removed {name}" for name in removed) or "not on the list"
    if args.action == "list":
        return _listing(institution_list.current(session), sign_ins.requirements(session))
    if args.action == "require-sign-in":
        changed = sign_ins.require_sign_in(session, args.name, required=not args.off)
        state = "no longer requires" if args.off else "requires"
        return f"{args.name} {state} a sign-in" + ("" if changed else " (unchanged)")
    codes = sign_ins.issue_invitations(session, args.name, args.count, args.days)
    return "\n".join(codes)


def _listing(kept: Any, required: List[Any]) -> str:
    lines = []
    if not kept.kept:
        lines.append("no managed list: institutions and faculties are taken as given")
    for name in sorted(kept.faculties):
        faculties = sorted(kept.faculties[name])
        lines.append(f"{name}: " + ("; ".join(faculties) if faculties else "(faculties taken as given)"))
    if not required:
        lines.append("no institution requires a sign-in")
    for r in required:
        lines.append(
            f"sign-in required: {r.institution}\tsince {r.since:%Y-%m-%d}\t{r.signed_in} signed in\t"
            f"{r.open_invitations} open invitation(s)"
        )
    return "\n".join(lines)


def _salt(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.service.salt_guard import SaltProblem
    from bot.service.salt_rotation import RotationRefused, rotate_id_salt

    try:
        report = rotate_id_salt(keyring_out=Path(args.keyring_out) if args.keyring_out else None)
    except (RotationRefused, SaltProblem) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.lines())
    return 0


def _sync_rasa(args: argparse.Namespace) -> int:
    from bot.rasa_glue.domain import sync

    stale = sync(check=args.check)
    if args.check and stale:
        names = ", ".join(str(p) for p in stale)
        print(f"out of date with bot/core/instrument.yml: {names}; run `python -m bot sync-rasa`")
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


def _endpoints(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from bot.rasa_glue.endpoints import write_from_environment

    try:
        print(f"wrote {write_from_environment(Path(args.out), os.environ)}")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _read_password(prompt: str) -> str:
    # A terminal gets a hidden prompt, asked twice; a pipe gives the first line of stdin.
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat the password: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _user_action(session: Any, args: argparse.Namespace) -> str:
    from bot.storage import accounts

    name = accounts.normalise_username(getattr(args, "username", "") or "")
    if args.action == "add":
        password = _read_password(f"Password for {args.username}: ")
        account = accounts.add_user(session, args.username, password, args.role, args.institution)
        where = f" for {account.institution}" if account.institution else ""
        return f"created {account.role} {account.username}{where}"
    if args.action == "list":
        return "\n".join(
            f"{a.username}\t{a.role}\t{a.institution or '(all institutions)'}" + ("\tdisabled" if a.disabled else "")
            for a in accounts.list_users(session)
        )
    if args.action == "disable":
        accounts.disable_user(session, args.username)
        return f"disabled {name}: signed out, and no sign-in or token works until enabled"
    if args.action == "enable":
        accounts.enable_user(session, args.username)
        return f"enabled {name}"
    if args.action == "remove":
        return f"removed {accounts.remove_user(session, args.username)} with their sessions and tokens"
    if args.action == "passwd":
        ended = accounts.change_password(session, args.username, _read_password(f"New password for {name}: "))
        return f"changed the password of {name}; ended {ended} session(s)"
    if args.action == "token":
        return accounts.issue_token(session, args.username, args.name, args.days)
    if args.action == "tokens":
        return "\n".join(
            f"{t.id}\t{t.name}\texpires {t.expires_at:%Y-%m-%d}\t"
            + ("revoked" if t.revoked else f"last used {t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never used")
            for t in accounts.list_tokens(session, args.username)
        )
    revoked = accounts.revoke_tokens(session, args.username, args.token)
    if args.token:
        return f"revoked {revoked} token(s) of {name}"
    ended = accounts.end_sessions(session, args.username)
    return f"revoked {revoked} token(s) of {name} and ended {ended} session(s)"


def _in_one_transaction(action: Callable[[Any, argparse.Namespace], str]) -> Callable[[argparse.Namespace], int]:
    """A command that runs `action` in one database transaction, printing what it says;
    a ValueError is the user's mistake: said on stderr, exit code 2, nothing changed."""

    def run(args: argparse.Namespace) -> int:
        from bot.storage.db import session_scope

        try:
            with session_scope() as session:
                said = action(session, args)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if said:
            print(said)
        return 0

    return run


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m bot`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Sedia's command line")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="print every stored answer")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--institution", help="only answers given under this institution")
    export.set_defaults(run=_export)
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=("upgrade",))
    db.add_argument(
        "--create", action="store_true", help="create missing PostgreSQL databases and Rasa's conversation table too"
    )
    db.set_defaults(run=_db)
    purge = commands.add_parser("purge", help="delete what is past its retention period, with counts")
    purge.add_argument("--days", type=int, help="keep people's data this many days (default SEDIA_RETENTION_DAYS)")
    purge.set_defaults(run=_purge)
    commands.add_parser("publish", help="publish a new release of the aggregate figures").set_defaults(run=_publish)
    institutions = commands.add_parser("institutions", help="the managed list of institutions, and sign-ins")
    institution_commands = institutions.add_subparsers(dest="action", required=True)
    for action, helped in (("add", "put on the managed list"), ("remove", "take off the managed list")):
        listing = institution_commands.add_parser(action, help=helped)
        listing.add_argument("name")
        listing.add_argument("--faculty", action="append", default=[], help="a faculty of it (repeatable)")
    institution_commands.add_parser("list", help="the managed list, and who requires a sign-in")
    require = institution_commands.add_parser("require-sign-in", help="count only respondents signed in for it")
    require.add_argument("name")
    require.add_argument("--off", action="store_true", help="stop requiring a sign-in")
    invite = institution_commands.add_parser("invite", help="print one-use invitation codes for Telegram")
    invite.add_argument("name")
    invite.add_argument("--count", type=int, default=1)
    invite.add_argument("--days", type=int, default=30, help="how long the codes work (default 30)")
    institutions.set_defaults(run=_in_one_transaction(_institution_action))
    salt = commands.add_parser("salt", help="the id salt")
    salt.add_argument("action", choices=("rotate",))
    salt.add_argument("--keyring-out", help="where to write the new keyring when the salt comes from SEDIA_ID_SALT")
    salt.set_defaults(run=_salt)
    sync = commands.add_parser("sync-rasa", help="regenerate domain.yml and the form rules")
    sync.add_argument("--check", action="store_true", help="fail if the files are out of date")
    sync.set_defaults(run=_sync_rasa)
    endpoints = commands.add_parser(
        "endpoints", help="write Rasa's endpoints file from ACTION_ENDPOINT_URL and SEDIA_REDIS_URL"
    )
    endpoints.add_argument("--out", required=True, help="where to write it")
    endpoints.set_defaults(run=_endpoints)
    users = commands.add_parser("users", help="dashboard users and API tokens")
    user_commands = users.add_subparsers(dest="action", required=True)
    add = user_commands.add_parser("add", help="create a user; the password is read from stdin")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("admin", "manager", "viewer"))
    add.add_argument("--institution", help="the one institution a manager or viewer sees")
    user_commands.add_parser("list", help="list users")
    for action, help_text in (
        ("disable", "stop a user signing in and end their sessions"),
        ("enable", "let a disabled user sign in again"),
        ("remove", "delete a user with their sessions and tokens"),
        ("passwd", "set a new password (read from stdin) and sign the user out everywhere"),
        ("tokens", "list a user's API tokens"),
    ):
        user_commands.add_parser(action, help=help_text).add_argument("username")
    token = user_commands.add_parser("token", help="print a new named API token")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for, e.g. 'monthly report script'")
    token.add_argument("--days", type=int, default=90, help="how many days it works (1-365, default 90)")
    revoke = user_commands.add_parser("revoke", help="revoke a user's API tokens and end their sessions")
    revoke.add_argument("username")
    revoke.add_argument("--token", help="only this token id (the part after sedia_); sessions stay")
    users.set_defaults(run=_in_one_transaction(_user_action))
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
