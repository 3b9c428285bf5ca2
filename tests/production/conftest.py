"""The production topology for real: two Rasa servers sharing a PostgreSQL tracker store
and a Redis lock store, the action server, on a private PostgreSQL database and Redis
database, with the REST channel behind a bearer token."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import redis

from bot.cli.launcher import DEFAULT_MODEL, Production, Stack, free_port
from tests.bot_api_standin import BotApiStandIn
from tests.conftest import environment, postgres_database
from tests.e2e.conftest import TEST_SALT, Chat, Database, Reply, export_answers
from tests.e2e.interviews import INSTRUMENT

# A Redis database of the tests' own, emptied before each stack.
TEST_REDIS_URL = "redis://127.0.0.1:6379/14"
REST_TOKEN = "production-test-rest-token"
ACTION_SECRET = "production-test-action-secret"


PROFILE = {
    "institution": "Universiti Putra Malaysia",
    "faculty": "Faculty of Education",
    "role": "programme_coordinator",
    "zone": "central",
}


def start_interview(chat) -> None:
    """Greeting, consent and profile, ready for the first question."""
    chat.say("hello")
    chat.press("Start the readiness assessment")
    assert "May I store your answers?" in chat.joined()
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    assert "Your profile: Universiti Putra Malaysia" in chat.joined(), chat.texts
    assert chat.current_item() == INSTRUMENT.items[0], chat.texts


class HeldTurn:
    """One message sent on a thread of its own, which a held row lock keeps waiting."""

    def __init__(self, chat, text: str) -> None:
        self.failures: List[BaseException] = []
        self.seconds: Optional[float] = None  # how long the turn took, once it is done
        self.thread = threading.Thread(target=self._send, args=(chat, text), daemon=True)
        self.thread.start()

    def _send(self, chat, text: str) -> None:
        started = time.perf_counter()
        try:
            chat.say(text)
        except BaseException as error:  # reported in the test's thread
            self.failures.append(error)
        self.seconds = time.perf_counter() - started

    def finish(self) -> None:
        self.thread.join(timeout=180)
        assert not self.thread.is_alive() and not self.failures, self.failures


# The row that the tracker store updates as it saves a conversation's turn, and the
# assessment row that the action storing an answer updates (and its answer refers to).
TRACKER_ROW = "SELECT 1 FROM conversation_index WHERE sender_id = %(sender)s FOR UPDATE"
ASSESSMENT_ROW = "SELECT 1 FROM assessments WHERE respondent_id = %(respondent)s AND status = 'started' FOR UPDATE"


class AlternatingChat(Chat):
    """One user whose messages go to each Rasa server in turn."""

    def __init__(self, base_urls: List[str], token: str, sender: Optional[str] = None) -> None:
        super().__init__(base_urls[0], sender, token)
        self._next = itertools.cycle(base_urls)
        self.servers: List[str] = []

    def say(self, message: str) -> List[Reply]:
        self.base_url = next(self._next)
        self.servers.append(self.base_url)
        return super().say(message)


@dataclass
class RunningProduction:
    stack: Stack
    db: Database
    database_url: str
    env: Dict[str, str]
    telegram: BotApiStandIn

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.stack.rasa_ports]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.actions_port}"

    def chat(self, server: int = 0, sender: Optional[str] = None) -> Chat:
        return Chat(self.rasa_urls[server], sender, REST_TOKEN)

    def alternating_chat(self) -> AlternatingChat:
        return AlternatingChat(self.rasa_urls, REST_TOKEN)

    def export(self, fmt: str = "json") -> str:
        return export_answers(self.env, fmt)

    def telegram_status(self, server: int) -> str:
        try:
            with urllib.request.urlopen(f"{self.rasa_urls[server]}/webhooks/telegram/", timeout=10) as response:
                return json.loads(response.read())["status"]
        except urllib.error.HTTPError as error:  # 503: degraded or stopped
            return json.loads(error.read())["status"]


@contextmanager
def running_production(folder: Path) -> Iterator[RunningProduction]:
    """The production topology on free ports, with Telegram polling a stand-in Bot API."""
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    with postgres_database() as url, BotApiStandIn() as telegram:
        extra = {
            "SEDIA_DATA_DIR": str(folder),
            "DATABASE_URL": url,
            "SEDIA_TRACKER_URL": url,
            "SEDIA_REDIS_URL": TEST_REDIS_URL,
            "SEDIA_ID_SALT": TEST_SALT,
            "SEDIA_REST_TOKEN": REST_TOKEN,
            "SEDIA_ACTION_SECRET": ACTION_SECRET,
            "TELEGRAM_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
        }
        with environment(extra):
            stack = Stack(
                rasa_port=free_port(),
                replica_ports=[free_port()],
                actions_port=free_port(),
                web_port=free_port(),
                log_dir=folder / "logs",
                with_web=False,
                production=Production(url, TEST_REDIS_URL),
                extra_env=extra,
            )
            stack.start()
            try:
                yield RunningProduction(stack, Database(url), url, stack.environment(), telegram)
            finally:
                stack.stop()


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Iterator[RunningProduction]:
    """The production topology, started once per test module."""
    with running_production(tmp_path_factory.mktemp("production")) as running:
        yield running
