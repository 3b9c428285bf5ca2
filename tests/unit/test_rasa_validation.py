"""Action-server responses are validated with a validator built once (bot/rasa_validation.py):
the same verdicts and errors as Rasa's own jsonschema.validate(), through Rasa's own
RemoteAction against a real HTTP server, and pinned to the rasa 3.6.21 method it replaces."""
from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import jsonschema
import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_validation

VALID: List[Dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "ms"}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_x"}]},
    {"responses": [{"text": "a", "buttons": [{"title": "t", "payload": "/p"}]}]},
]
INVALID: List[Any] = [
    [],
    "events",
    {"events": {"event": "slot"}},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "language"}]},
    {"events": [{"event": "slot", "name": "language", "value": "ms", "timestamp": "yesterday"}]},
    {"responses": "hello"},
    {"responses": ["hello"]},
]


def _original_verdict(result: Any) -> str:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return "valid"
    except ValidationError as error:
        return error.message


def _patched_verdict(result: Any) -> str:
    try:
        assert rasa_validation.validate_action_result(RemoteAction("x", None), result) is True
        return "valid"
    except ValidationError as error:
        return error.message.split(". Failed to validate Action server response")[0]


def test_pinned_to_the_rasa_method_it_replaces():
    # If this fails, Rasa changed: read its new _validate_action_result, update
    # bot/rasa_validation.py to do the same with a validator built once, then the hash.
    assert rasa.__version__ == "3.6.21"
    assert rasa_validation.source_sha256(rasa_validation._ORIGINAL) == rasa_validation.EXPECTED_SOURCE_SHA256


def test_rasa_loads_it_with_the_modules_it_imports():
    import bot.tracker_store  # noqa: F401  (named in endpoints.yml)

    assert rasa_validation.is_installed()
    assert RemoteAction._validate_action_result is rasa_validation.validate_action_result


@pytest.mark.parametrize("result", VALID + INVALID)
def test_same_verdict_and_error_as_jsonschema_validate(result):
    assert _patched_verdict(result) == _original_verdict(result)


def test_refuses_with_rasa_hint():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_validation.validate_action_result(RemoteAction("x", None), {"events": [{"event": "bogus"}]})


def test_the_schema_is_checked_once_not_per_response(monkeypatch):
    rasa_validation._validator.cache_clear()
    cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    original = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s, *a, **k: checks.append(1) or original(s, *a, **k)))
    for _ in range(50):
        rasa_validation.validate_action_result(RemoteAction("x", None), VALID[2])
    assert len(checks) == 1


class _ActionServer(BaseHTTPRequestHandler):
    """A real HTTP action endpoint that answers what the test sets."""

    answer: Dict[str, Any] = {}

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def action_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ActionServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhook"
    finally:
        server.shutdown()
        server.server_close()


def _run_remote(url: str, answer: Dict[str, Any]) -> list:
    rasa_validation.install()
    _ActionServer.answer = answer
    domain = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}})
    action = RemoteAction("action_anything", EndpointConfig(url))
    tracker = DialogueStateTracker("sender", domain.slots)
    return asyncio.run(
        action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
    )


def test_rasa_accepts_a_valid_response_through_the_workaround(action_server):
    events = _run_remote(action_server, {"events": [{"event": "slot", "name": "language", "value": "ms"}], "responses": []})
    assert SlotSet("language", "ms") in events


def test_rasa_refuses_a_bad_response_through_the_workaround(action_server):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        _run_remote(action_server, {"events": [{"event": "made_up", "name": "x"}]})
