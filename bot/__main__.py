"""Sedia's command line: `python -m bot <command>`.

Commands:
  export [--format csv|json] [--institution NAME]   print every stored answer
  db upgrade                                        apply the database migrations
  sync-rasa [--check]                               regenerate the instrument's Rasa files
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def _export(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope
    from bot.storage.export import export_rows, write_csv, write_json

    with session_scope() as session:
        rows = export_rows(session, institution=args.institution)
    (write_csv if args.format == "csv" else write_json)(rows, sys.stdout)
    return 0


def _db(args: argparse.Namespace) -> int:
    from bot.storage.db import database_url, upgrade

    upgrade()
    print(f"database is up to date: {database_url().split('@')[-1]}")
    return 0


def _sync_rasa(args: argparse.Namespace) -> int:
    from bot.rasa_domain import sync

    stale = sync(check=args.check)
    if args.check and stale:
        names = ", ".join(str(p) for p in stale)
        print(f"out of date with bot/instrument.yml: {names}; run `python -m bot sync-rasa`")
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


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
    db.set_defaults(run=_db)
    sync = commands.add_parser("sync-rasa", help="regenerate the instrument's Rasa files")
    sync.add_argument("--check", action="store_true", help="fail if the files are out of date")
    sync.set_defaults(run=_sync_rasa)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
