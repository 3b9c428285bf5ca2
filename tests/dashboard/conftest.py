"""The dashboard web app running for real (`python -m bot.dashboard`) on SQLite and on
PostgreSQL, with known answers, conversations in Rasa's tracker store, and one account
of each kind."""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests

from bot.cli.launcher import REPO_ROOT, Service, free_port
from bot.storage import accounts, db
from bot.storage.conversations import dispose_tracker_engines
from bot.storage.db import session_scope
from tests.bot_api_standin import wait_until
from tests.conftest import environment, postgres_database
from tests.dashboard_seed import HTML_ATTACK, Person, seed, seed_conversation

UM, UPM = "Universiti Malaya", "Universiti Putra Malaysia"
PASSWORD = "a good long password"
ACCOUNTS = {
    "admin": ("admin", None),
    "manager_um": ("manager", UM),
    "manager_upm": ("manager", UPM),
    "viewer_um": ("viewer", UM),
}


@dataclass
class Dashboard:
    """A running web app and what was put into its databases."""

    url: str
    tokens: Dict[str, str]
    people: List[Person]
    conversations: Dict[str, str] = field(default_factory=dict)  # sender -> institution
    database_url: str = ""

    def get(self, path: str, who: Optional[str] = None, **params) -> requests.Response:
        """GET with the bearer token of `who` (None: anonymous)."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return requests.get(self.url + path, params=params, headers=headers, timeout=60, allow_redirects=False)

    def browser_session(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A requests session signed in through the login form."""
        session = requests.Session()
        form = session.get(self.url + "/dashboard/login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        response = session.post(
            self.url + "/dashboard/login",
            timeout=30,
            data={"csrf_token": token, "username": username, "password": password},
        )
        assert response.status_code == 200 and response.url.endswith("/dashboard"), response.text[:500]
        return session


def _people() -> List[Person]:
    return (
        [Person(UM, "Faculty of Education", value=4) for _ in range(3)]
        # Five authors of the stored-HTML answer: fewer, and a search for it shows nothing.
        + [Person(UM, "Faculty of Education", value=4, open_answer=HTML_ATTACK) for _ in range(3)]
        + [Person(UM, "Faculty of Engineering", value=2) for _ in range(5)]
        + [Person(UM, "Faculty of Medicine", value=5, open_answer=HTML_ATTACK) for _ in range(2)]
        + [Person(UPM, "Faculty of Education", value=1) for _ in range(5)]
    )


@contextmanager
def running_dashboard(
    folder: Path, database_url: str, extra_env: Optional[Dict[str, str]] = None
) -> Iterator[Dashboard]:
    """Seed the databases at `database_url`, then start the web app on a free port."""
    tracker_url = database_url  # Rasa's `events` table can share the answers database
    values = {
        "DATABASE_URL": database_url,
        "SEDIA_DATA_DIR": str(folder),
        "SEDIA_ID_SALT": "dashboard-tests",
        "SEDIA_TRACKER_URL": tracker_url,
    }
    port = free_port()
    env = {
        **os.environ,
        **values,
        "PYTHONPATH": str(REPO_ROOT),
        "SEDIA_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    service = Service(
        "web app",
        [sys.executable, "-m", "bot.dashboard", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        f"http://127.0.0.1:{port}",
        folder / "web.log",
    )
    with environment(values):
        try:
            people = _people()
            seed(people)
            tokens = {}
            with session_scope() as session:
                for name, (role, institution) in ACCOUNTS.items():
                    accounts.add_user(session, name, PASSWORD, role, institution)
                    tokens[name] = accounts.issue_token(session, name, "dashboard tests")
            conversations = {}
            for person in (people[0], people[6], people[13]):
                seed_conversation(
                    tracker_url,
                    person.sender,
                    ["hello", "qwzx blorf", HTML_ATTACK, "start assessment"],
                    ["greet", "nlu_fallback", "nlu_fallback", "start_assessment"],
                    institution=person.institution,
                )
                conversations[person.sender] = person.institution
            service.start(env)
            wait_until(lambda: service.is_ready() or service.has_exited(), 60, "the web app")
            assert service.is_ready(), (folder / "web.log").read_text()
            yield Dashboard(f"http://127.0.0.1:{port}", tokens, people, conversations, database_url)
        finally:
            service.stop()
            dispose_tracker_engines()
            db.dispose_all()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def dashboard(request, tmp_path_factory) -> Iterator[Dashboard]:
    """The dashboard on each database Sedia supports, once per test module."""
    folder = tmp_path_factory.mktemp(f"dashboard-{request.param}")
    if request.param == "sqlite":
        with running_dashboard(folder, f"sqlite:///{folder / 'sedia.db'}") as running:
            yield running
    else:
        with postgres_database() as url:
            with running_dashboard(folder, url) as running:
                yield running
