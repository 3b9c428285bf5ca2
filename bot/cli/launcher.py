"""Start Sedia's servers, wait until each answers, and stop them together.

`make run` calls `python -m bot.cli.launcher`: the Rasa server, the action server and the web
app, on the embedded defaults (SQLite, one Rasa server). `make run-prod` calls it with
`--prod`: the production topology on one machine, two Rasa servers sharing the PostgreSQL
tracker store and a Redis lock store, the action server, and the web app on PostgreSQL.
Every server binds 127.0.0.1. The tests use `Stack` to start the same servers on free
ports.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.channels.telegram_settings import TelegramConfigError, TelegramSettings
from bot.config import settings
from bot.config.settings import REDIS_URL, REPO_ROOT
from bot.rasa_glue.endpoints import write_endpoints

VENV_BIN = Path(sys.executable).parent
DEFAULT_MODEL = REPO_ROOT / "models" / "sedia.tar.gz"
STARTUP_TIMEOUT = 240.0
LOOPBACK = "127.0.0.1"
# make run-prod's services on this machine.
PRODUCTION_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sedia"
PRODUCTION_REDIS_URL = "redis://127.0.0.1:6379/0"


class PortTaken(RuntimeError):
    """A port Sedia needs is already in use."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """True when a server could listen on `host:port` now (connections closing on it do
    not count: servers reuse such addresses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Production:
    """Where the production topology keeps its state."""

    database_url: str = PRODUCTION_DATABASE_URL
    redis_url: str = PRODUCTION_REDIS_URL


@dataclass
class Service:
    """One server process and the URL that answers when it is ready."""

    name: str
    command: List[str]
    health_url: str
    public_url: str
    log_path: Path
    process: Optional[subprocess.Popen] = None
    root: Path = REPO_ROOT

    def start(self, env: Dict[str, str]) -> None:
        """Start the process in its own process group, logging to `log_path`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def is_ready(self) -> bool:
        """True when the health URL answers with a 2xx status."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def has_exited(self) -> bool:
        """True when the process has stopped."""
        return self.process is not None and self.process.poll() is not None

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after `timeout` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


@dataclass
class Stack:
    """Sedia's servers on chosen ports, sharing one environment."""

    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8000
    model: Path = DEFAULT_MODEL
    log_dir: Path = REPO_ROOT / "var" / "logs"
    extra_env: Dict[str, str] = field(default_factory=dict)
    with_web: bool = True
    services: List[Service] = field(default_factory=list)
    # The checkout to run; another one lets the benchmarks compare Sedia before a change.
    root: Path = REPO_ROOT
    # More Rasa servers, sharing the conversations with the first (production: one more).
    replica_ports: List[int] = field(default_factory=list)
    # PostgreSQL and Redis for the production topology; None runs on the embedded SQLite.
    production: Optional[Production] = None
    # The address every server binds: this machine only, unless a container's network
    # (bot.cli.serve) says otherwise.
    bind_host: str = LOOPBACK

    @property
    def rasa_ports(self) -> List[int]:
        """Every Rasa server's port, the first one first."""
        return [self.rasa_port, *self.replica_ports]

    def ports(self) -> Dict[int, str]:
        """Each port this stack listens on, and the server that needs it."""
        named = {self.actions_port: "action server"}
        for number, port in enumerate(self.rasa_ports, start=1):
            named[port] = "Rasa server" if number == 1 else f"Rasa server {number}"
        if self.with_web:
            named[self.web_port] = "web app"
        return named

    def check_ports(self) -> None:
        """Raise PortTaken, naming the port and its server, when one is already in use."""
        for port, name in self.ports().items():
            if not port_is_free(port):
                raise PortTaken(
                    f"port {port} ({name}) is already in use, perhaps by another Sedia. "
                    f"Stop it, or pick other ports: RASA_PORT, ACTIONS_PORT, WEB_PORT"
                    + (", REPLICA_PORT" if self.replica_ports else "")
                    + "."
                )

    def environment(self) -> Dict[str, str]:
        """The environment every server gets."""
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{self.actions_port}/webhook"
        # rasa_sdk binds SANIC_HOST; the action server answers only this machine.
        env["SANIC_HOST"] = self.bind_host
        # Links to documents (action plans) point at the web app unless a public URL is set.
        env.setdefault("SEDIA_PUBLIC_URL", f"http://127.0.0.1:{self.web_port}")
        # The demo page's widget talks to this Rasa server; only the web app may open its socket.
        env.setdefault("SEDIA_RASA_URL", f"http://127.0.0.1:{self.rasa_port}")
        env.setdefault("SEDIA_WIDGET_ORIGINS", f"http://127.0.0.1:{self.web_port},http://localhost:{self.web_port}")
        env["PYTHONPATH"] = str(self.root) + os.pathsep + env.get("PYTHONPATH", "")
        if self.production is not None:
            env.setdefault("DATABASE_URL", self.production.database_url)
            env.setdefault("SEDIA_TRACKER_URL", self.production.database_url)
            env.setdefault(REDIS_URL, self.production.redis_url)
        env.update(self.extra_env)
        if self.production is not None and not env.get("SEDIA_REST_TOKEN"):
            # In production the REST channel always needs a bearer token (bot/channels/rest.py).
            from bot.config.shared_secrets import REST_TOKEN, shared_secret

            env["SEDIA_REST_TOKEN"] = shared_secret(REST_TOKEN, env)
        return env

    def endpoints_file(self, rasa_port: int, env: Dict[str, str]) -> Path:
        """The endpoints file of the Rasa server on `rasa_port`: its action server and,
        with replicas, the Redis lock store."""
        return write_endpoints(
            self.log_dir.parent / "run" / f"endpoints-{rasa_port}.yml",
            env["ACTION_ENDPOINT_URL"],
            env.get(REDIS_URL) or None,
        )

    def build(self, env: Optional[Dict[str, str]] = None) -> List[Service]:
        """The service definitions, in start order."""
        env = env or self.environment()
        rasa = str(VENV_BIN / "rasa")
        # The Rasa servers' CORS rule: only the pages that embed the widget.
        origins = [o.strip() for o in env.get("SEDIA_WIDGET_ORIGINS", "").split(",") if o.strip()]
        services = [
            Service(
                "action server",
                [rasa, "run", "actions", "--actions", "actions", "--port", str(self.actions_port)],
                f"http://127.0.0.1:{self.actions_port}/health",
                f"http://127.0.0.1:{self.actions_port}/webhook",
                self.log_dir / "actions.log",
                root=self.root,
            ),
        ]
        names = self.ports()
        for port in self.rasa_ports:
            services.append(
                Service(
                    names[port],
                    [
                        rasa,
                        "run",
                        "--model",
                        str(self.model),
                        "--port",
                        str(port),
                        "--interface",
                        self.bind_host,
                        "--credentials",
                        "credentials.yml",
                        "--endpoints",
                        str(self.endpoints_file(port, env)),
                        "--cors",
                        *origins,
                    ],
                    # Sedia's REST health: 200 once the model is loaded and the stores answer.
                    f"http://127.0.0.1:{port}/webhooks/rest/",
                    f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                    self.log_dir / ("rasa.log" if port == self.rasa_port else f"rasa-{port}.log"),
                    root=self.root,
                )
            )
        if self.with_web:
            services.append(
                Service(
                    "web app",
                    [sys.executable, "-m", "bot.dashboard", "--host", self.bind_host, "--port", str(self.web_port)],
                    f"http://127.0.0.1:{self.web_port}/health",
                    f"http://127.0.0.1:{self.web_port}/",
                    self.log_dir / "web.log",
                    root=self.root,
                )
            )
        return services

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start every service and wait until all answer; stop them all on failure.

        Raises PortTaken before starting anything when a port is in use: otherwise the old
        server on it would answer the health checks while the new one failed to bind.
        """
        self.check_ports()
        env = self.environment()
        if self.production is not None:
            prepare_databases(env)
        self.services = self.build(env)
        for service in self.services:
            service.start(env)
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.has_exited():
                    self.stop()
                    raise RuntimeError(f"{service.name} exited; see {service.log_path}")
                if service.is_ready():
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                self.stop()
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"{names} did not answer within {timeout:.0f}s; see {self.log_dir}")
            time.sleep(0.5)
        for service in self.services:
            if service.has_exited():
                self.stop()
                raise RuntimeError(f"{service.name} exited; see {service.log_path}")

    def service(self, name: str) -> Service:
        """The running service called `name`."""
        return next(s for s in self.services if s.name == name)

    def stop(self) -> None:
        """Stop every service, the last started first."""
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def prepare_databases(env: Dict[str, str]) -> None:
    """Create the PostgreSQL database if missing, apply the migrations and create Rasa's
    conversation table, once, before several servers start and would race to do it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--create"],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        reason = next((line for line in reversed(lines) if "Error" in line), lines[-1]).strip()
        raise RuntimeError(f"could not prepare the databases: {reason}")


def telegram_status(settings: Optional[TelegramSettings], rasa_port: int) -> str:
    """One line on the Telegram channel for the start-up banner."""
    if settings is None:
        return "off (set TELEGRAM_TOKEN to chat on Telegram)"
    how = "long polling, no public URL needed" if settings.mode == "polling" else f"webhook at {settings.webhook_url}"
    return f"{how}; status at http://127.0.0.1:{rasa_port}/webhooks/telegram/"


def dashboard_status(web_port: int, database_url: Optional[str] = None) -> str:
    """One line on the management dashboard: where it is, or how to create the first admin."""
    from bot.storage.accounts import user_count
    from bot.storage.db import session_scope

    url = f"http://127.0.0.1:{web_port}/dashboard"
    prefix = f"DATABASE_URL={database_url} " if database_url and not database_url.startswith("sqlite") else ""
    with session_scope(database_url) as session:
        if user_count(session):
            return url
    return (
        f"{url} (no account yet: create the first admin with "
        f"`{prefix}.venv/bin/python -m bot users add admin --role admin`)"
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Run the stack until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Start Sedia's servers")
    parser.add_argument(
        "--prod", action="store_true", help="the production topology: two Rasa servers on PostgreSQL and Redis"
    )
    wrong = settings.problems()
    if wrong:
        print("Sedia's settings are wrong: " + "; ".join(wrong), file=sys.stderr)
        return 1
    parser.add_argument("--rasa-port", type=int, default=settings.port("RASA_PORT"))
    parser.add_argument("--replica-port", type=int, default=settings.port("REPLICA_PORT"))
    parser.add_argument("--actions-port", type=int, default=settings.port("ACTIONS_PORT"))
    parser.add_argument("--web-port", type=int, default=settings.port("WEB_PORT"))
    args = parser.parse_args(argv)
    if not DEFAULT_MODEL.exists():
        print("No trained model: run `make train` first.", file=sys.stderr)
        return 1
    try:
        telegram = TelegramSettings.load(None, os.environ)
    except TelegramConfigError as error:
        print(f"Telegram is misconfigured: {error}", file=sys.stderr)
        return 1
    stack = Stack(args.rasa_port, args.actions_port, args.web_port)
    if args.prod:
        stack.replica_ports = [args.replica_port]
        stack.production = Production(
            os.environ.get("DATABASE_URL") or PRODUCTION_DATABASE_URL,
            os.environ.get(REDIS_URL) or PRODUCTION_REDIS_URL,
        )
    print("Starting Sedia (the Rasa server takes about half a minute to load its model)...")
    try:
        stack.start()
    except RuntimeError as error:
        print(f"Could not start Sedia: {error}", file=sys.stderr)
        return 1
    print("Sedia is running:")
    for service in stack.services:
        print(f"  {service.name:<14} {service.public_url}")
    if args.prod:
        print(
            f"  {'Databases':<14} {stack.production.database_url.split('@')[-1]} (PostgreSQL), "
            f"{stack.production.redis_url.split('@')[-1]} (Redis lock store)"
        )
        print(f"  {'REST token':<14} SEDIA_REST_TOKEN, or the file var/rest_token")
    print(f"  {'Telegram':<14} {telegram_status(telegram, args.rasa_port)}")
    print(f"  {'Dashboard':<14} {dashboard_status(args.web_port, stack.environment().get('DATABASE_URL'))}")
    print(f"Logs: {stack.log_dir}")
    print("Chat with `make shell` in another terminal, or POST to the REST webhook.")
    print("Press Ctrl-C to stop.")
    stopping = {"now": False}

    def request_stop(signum, frame) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping["now"]:
            for service in stack.services:
                if service.has_exited():
                    print(f"{service.name} stopped unexpectedly; see {service.log_path}", file=sys.stderr)
                    stopping["now"] = True
            time.sleep(0.5)
    finally:
        print("\nStopping Sedia...")
        stack.stop()
        print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
