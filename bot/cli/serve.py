"""Run one of Sedia's servers in the foreground: `python -m bot.cli.serve rasa|actions|web`.

Containers (docker-compose.yml) and supervisors (systemd units in docs/deployment.md)
run each server on its own, and must run it exactly as `make run-prod` does. So this
builds the launcher's own command for that server (`bot.cli.launcher.Stack`), from the
environment, and replaces itself with it. Settings:

- RASA_PORT, ACTIONS_PORT, WEB_PORT: the ports (5005, 5055, 8000);
- SEDIA_BIND_HOST: the address to bind (127.0.0.1; a container binds 0.0.0.0 on its
  private network, and publishes only what may be public);
- ACTION_ENDPOINT_URL: where the Rasa server reaches the action server;
- SEDIA_REDIS_URL with DATABASE_URL: the production topology (lock store, shared
  conversations, one Telegram poller); without them, the embedded defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from bot.cli.launcher import LOOPBACK, Production, Stack
from bot.config.settings import ACTION_ENDPOINT_URL, REDIS_URL, data_dir

SERVICES = {"rasa": "Rasa server", "actions": "action server", "web": "web app"}


def stack_from_environment(environ: Optional[dict] = None) -> Stack:
    """The stack the environment describes, on this machine or in a container."""
    environ = dict(os.environ if environ is None else environ)
    production = None
    if environ.get(REDIS_URL) and environ.get("DATABASE_URL"):
        production = Production(environ["DATABASE_URL"], environ[REDIS_URL])
    extra = {ACTION_ENDPOINT_URL: environ[ACTION_ENDPOINT_URL]} if environ.get(ACTION_ENDPOINT_URL) else {}
    return Stack(
        rasa_port=int(environ.get("RASA_PORT", 5005)),
        actions_port=int(environ.get("ACTIONS_PORT", 5055)),
        web_port=int(environ.get("WEB_PORT", 8000)),
        log_dir=Path(data_dir()) / "logs",
        extra_env=extra,
        production=production,
        bind_host=environ.get("SEDIA_BIND_HOST", LOOPBACK),
    )


def command_for(service: str, environ: Optional[dict] = None) -> tuple:
    """The command and environment that run `service`, as the launcher would run it."""
    stack = stack_from_environment(environ)
    env = stack.environment()
    chosen = next(s for s in stack.build(env) if s.name == SERVICES[service])
    return chosen.command, env


def main(argv: Optional[List[str]] = None) -> int:
    """Replace this process with the chosen server."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli.serve", description="Run one of Sedia's servers")
    parser.add_argument("service", choices=sorted(SERVICES))
    args = parser.parse_args(argv)
    command, env = command_for(args.service)
    sys.stdout.flush()
    os.execvpe(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
