"""End-to-end fixtures: Sedia's real Rasa, action and web servers on free ports,
with a trained model and a private SQLite database."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
from sqlalchemy import text
from sqlalchemy.future import create_engine

from bot.cli.launcher import DEFAULT_MODEL, REPO_ROOT, Stack, free_port
from bot.core.instrument import Item, load_instrument
from tests.action_calls import ActionCallRelay
from tests.conftest import environment

TEST_SALT = "e2e-test-salt"


@dataclass
class Reply:
    text: str = ""
    buttons: List[dict] = field(default_factory=list)
    custom: Optional[dict] = None


class ReadsReplies:
    """Reading the replies to the last message: shared by the REST and Telegram chats."""

    last: List[Reply]

    @property
    def texts(self) -> List[str]:
        return [r.text for r in self.last if r.text]

    def joined(self) -> str:
        return "\n".join(self.texts)

    def current_item(self) -> Optional[Item]:
        """The instrument item the last reply asks, from its "(Theme, n of N)" mark."""
        instrument = load_instrument()
        for reply in reversed(self.last):
            for item in instrument.items:
                if any(reply.text.startswith(f"{instrument.progress_mark(item, lang)} ") for lang in ("en", "ms")):
                    return item
        return None


class Chat(ReadsReplies):
    """One user talking to Sedia over the REST channel."""

    channel = "rest"

    def __init__(self, base_url: str, sender: Optional[str] = None, token: Optional[str] = None) -> None:
        self.base_url = base_url
        self.sender = sender or f"e2e-{uuid.uuid4().hex[:10]}"
        self.token = token
        self.last: List[Reply] = []

    def say(self, message: str, message_id: Optional[str] = None) -> List[Reply]:
        """Send a message (with the client's `message_id`, if given); return (and
        remember) the replies. `duplicate` tells whether the server had it already."""
        call = {"sender": self.sender, "message": message}
        if message_id is not None:
            call["message_id"] = message_id
        body = json.dumps(call).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"{self.base_url}/webhooks/rest/webhook", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200
            self.duplicate = response.headers.get("X-Sedia-Duplicate") == "true"
            raw = json.loads(response.read().decode("utf-8"))
        self.last = [Reply(r.get("text") or "", r.get("buttons") or [], r.get("custom")) for r in raw]
        return self.last

    def call(self, message: str, message_id: Optional[str] = None) -> Tuple[int, List[dict]]:
        """Send a message that may fail: (HTTP status, the replies or error body)."""
        call = {"sender": self.sender, "message": message}
        if message_id is not None:
            call["message_id"] = message_id
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.base_url}/webhooks/rest/webhook", data=json.dumps(call).encode("utf-8"), headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def button(self, title: str) -> dict:
        for reply in reversed(self.last):
            for button in reply.buttons:
                if button["title"] == title:
                    return button
        raise AssertionError(f"no button {title!r} in {[b['title'] for r in self.last for b in r.buttons]}")

    def press(self, title: str) -> List[Reply]:
        return self.say(self.button(title)["payload"])

    def summary(self) -> Optional[dict]:
        for reply in self.last:
            if reply.custom and "sedia_summary" in reply.custom:
                return reply.custom["sedia_summary"]
        return None


class Database:
    """Read-only access to the stack's answers database."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, pool_pre_ping=True)  # survives the fault tests

    def rows(self, sql: str, **params) -> List[dict]:
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(text(sql), params)]

    def respondent(self, sender: str, channel: str = "rest") -> str:
        from bot.config.identity import respondent_id

        return respondent_id(channel, sender)

    def answers(self, sender: str, channel: str = "rest") -> List[dict]:
        return self.rows(
            "SELECT a.* FROM answers a JOIN assessments s ON s.id = a.assessment_id "
            "WHERE s.respondent_id = :rid ORDER BY a.id",
            rid=self.respondent(sender, channel),
        )

    def assessments(self, sender: str, channel: str = "rest") -> List[dict]:
        return self.rows(
            "SELECT * FROM assessments WHERE respondent_id = :rid ORDER BY started_at",
            rid=self.respondent(sender, channel),
        )


@dataclass
class Running:
    stack: Stack
    db: Database
    database_url: str
    env: dict
    action_calls: ActionCallRelay

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.rasa_port}"

    def chat(self, sender: Optional[str] = None) -> Chat:
        return Chat(self.rasa_url, sender)

    def export(self, fmt: str = "json") -> str:
        return export_answers(self.env, fmt)


def export_answers(env: Dict[str, str], fmt: str = "json") -> str:
    """What `python -m bot export` prints for the stack whose environment is `env`."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--format", fmt],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


@contextmanager
def running_sedia(folder: Path, extra_env: Optional[Dict[str, str]] = None, with_web: bool = True) -> Iterator[Running]:
    """The whole stack on free ports with a private SQLite database in `folder`."""
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    url = f"sqlite:///{folder / 'sedia.db'}"
    extra = {"SEDIA_DATA_DIR": str(folder), "DATABASE_URL": url, "SEDIA_ID_SALT": TEST_SALT}
    # Rasa's action calls pass through a counting relay to the real action server.
    relay = ActionCallRelay().start()
    # The test process computes the same pseudonyms and reads the same DB.
    with environment(extra):
        stack = Stack(
            rasa_port=free_port(),
            actions_port=free_port(),
            web_port=free_port(),
            log_dir=folder / "logs",
            with_web=with_web,
            extra_env={**extra, "ACTION_ENDPOINT_URL": relay.url, **(extra_env or {})},
        )
        relay.target = f"http://127.0.0.1:{stack.actions_port}"
        stack.start()
        try:
            yield Running(stack, Database(url), url, stack.environment(), relay)
        finally:
            stack.stop()
            relay.stop()


@pytest.fixture(scope="module")
def sedia(tmp_path_factory) -> Iterator[Running]:
    """The whole stack, started once per test module."""
    with running_sedia(tmp_path_factory.mktemp("sedia")) as running:
        yield running


@pytest.fixture(scope="module")
def telegram_api():
    """A stand-in for Telegram's Bot API (tests/bot_api_standin.py), one per test module."""
    from tests.bot_api_standin import BotApiStandIn
    from tests.e2e.telegram_chat import TOKEN

    with BotApiStandIn(TOKEN) as standin:
        yield standin
