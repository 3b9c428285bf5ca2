"""Sedia's workarounds for rasa 3.6.21 (bot/rasa_glue/validation.py, bot/rasa_glue/action_call.py):
pinned to the methods they replace; responses validated with a validator built once give
the same verdicts and errors as Rasa's own jsonschema.validate(), also through Rasa's own
RemoteAction against a real HTTP server; action calls carry the turn's events only."""

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
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_glue import action_call as rasa_action_call
from bot.rasa_glue import pinned as rasa_pinned
from bot.rasa_glue import validation as rasa_validation
from bot.rasa_glue import workarounds as rasa_workarounds
from bot.rasa_glue.pinned import PinnedMethod

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


@pytest.mark.parametrize("workaround", rasa_workarounds.WORKAROUNDS, ids=lambda w: w.name)
def test_pinned_to_the_rasa_method_it_replaces(workaround):
    # If this fails, Rasa changed: read its new method, update the replacement to do the
    # same (with the inefficiency fixed), then the hash in the replacement's module.
    assert rasa.__version__ == "3.6.21"
    assert workaround.matches_rasa()


def test_rasa_loads_them_with_the_modules_it_imports():
    import bot.rasa_glue.tracker_store  # noqa: F401  (named in endpoints.yml)

    assert rasa_workarounds.install()
    assert RemoteAction._validate_action_result is rasa_validation.validate_action_result
    assert RemoteAction._action_call_format is rasa_action_call.action_call_format


def test_a_changed_rasa_method_is_left_alone():
    class Owner:
        def method(self) -> int:
            return 1

    pinned = PinnedMethod(Owner, "method", "0" * 64, lambda self: 2)
    assert pinned.install() is False and Owner().method() == 1
    right = PinnedMethod(Owner, "method", rasa_pinned.source_sha256(Owner.method), lambda self: 2)
    assert right.install() is True and Owner().method() == 2


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
    monkeypatch.setattr(
        cls, "check_schema", classmethod(lambda c, s, *a, **k: checks.append(1) or original(s, *a, **k))
    )
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
    rasa_workarounds.install()
    _ActionServer.answer = answer
    domain = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}})
    action = RemoteAction("action_anything", EndpointConfig(url))
    tracker = DialogueStateTracker("sender", domain.slots)
    return asyncio.run(
        action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
    )


def test_rasa_accepts_a_valid_response_through_the_workaround(action_server):
    events = _run_remote(
        action_server, {"events": [{"event": "slot", "name": "language", "value": "ms"}], "responses": []}
    )
    assert SlotSet("language", "ms") in events


def test_rasa_refuses_a_bad_response_through_the_workaround(action_server):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        _run_remote(action_server, {"events": [{"event": "made_up", "name": "x"}]})


def _conversation() -> tuple:
    domain = Domain.load("domain.yml")
    tracker = DialogueStateTracker("someone", domain.slots)
    for turn in range(30):
        tracker.update(UserUttered(f"answer {turn}", {"name": "answer_scale", "confidence": 1.0}, input_channel="rest"))
        tracker.update(ActionExecuted("training_form"))
        tracker.update(SlotSet("trn_1", str(turn % 5 + 1)))
        tracker.update(BotUttered(f"question {turn}"))
        tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("agree", {"name": "answer_scale", "confidence": 1.0}, input_channel="telegram"))
    tracker.update(SlotSet("trn_2", "agree"))
    return tracker, domain


def test_an_action_call_carries_the_turn_not_the_conversation():
    tracker, domain = _conversation()
    action = RemoteAction(
        "validate_training_form", EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    )
    ours = rasa_action_call.action_call_format(action, tracker, domain)
    rasa_own = rasa_action_call.ACTION_CALL.original(action, tracker, domain)
    assert len(rasa_own["tracker"]["events"]) == len(tracker.events) == 152
    assert [e["event"] for e in ours["tracker"]["events"]] == ["user", "slot"]
    # Everything else is what Rasa would send, the domain included (validations get it).
    assert {k: v for k, v in ours["tracker"].items() if k != "events"} == {
        k: v for k, v in rasa_own["tracker"].items() if k != "events"
    }
    assert {k: v for k, v in ours.items() if k != "tracker"} == {k: v for k, v in rasa_own.items() if k != "tracker"}


def test_what_the_actions_read_survives_the_shorter_call():
    from rasa_sdk import Tracker

    tracker, domain = _conversation()
    state = rasa_action_call.action_call_format(RemoteAction("x", None), tracker, domain)["tracker"]
    sdk = Tracker.from_dict(state)
    assert sdk.get_latest_input_channel() == "telegram"
    assert sdk.slots_to_validate() == {"trn_2": "agree"}
    assert sdk.get_slot("trn_1") == "5" and sdk.latest_message["text"] == "agree"
    assert sdk.latest_action_name == "action_listen"


def test_a_call_before_any_user_message_carries_every_event():
    domain = Domain.load("domain.yml")
    tracker = DialogueStateTracker("someone", domain.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SlotSet("language", "ms"))
    state = rasa_action_call.action_call_format(RemoteAction("x", None), tracker, domain)["tracker"]
    assert [e["event"] for e in state["events"]] == ["action", "slot"]


def test_a_failing_tracker_store_fails_the_turn_instead_of_starting_the_conversation_over():
    import asyncio

    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    class Away(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("the database is away")

        async def save(self, tracker):
            raise ConnectionError("the database is away")

    assert rasa_workarounds.install()
    store = FailSafeTrackerStore(Away(Domain.empty()))
    with pytest.raises(ConnectionError):
        asyncio.run(store.retrieve("someone"))  # Rasa's own answered None: a new conversation
    with pytest.raises(ConnectionError):
        asyncio.run(store.save(DialogueStateTracker("someone", [])))  # Rasa's own kept it in memory
    assert store._fallback_tracker_store is None


def test_an_unreachable_action_server_asks_again_instead_of_keeping_the_raw_answer():
    import asyncio
    import socket

    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert rasa_workarounds.install()
    domain = Domain.from_dict(
        {
            "slots": {
                "requested_slot": {"type": "any", "mappings": [{"type": "custom"}]},
                "con_2": {"type": "text", "mappings": [{"type": "custom"}]},
                "language": {"type": "text", "mappings": [{"type": "custom"}]},
            }
        }
    )
    tracker = DialogueStateTracker.from_events(
        "someone",
        [
            SlotSet("language", "ms"),
            SlotSet("requested_slot", "con_2"),
            UserUttered("3"),
            SlotSet("con_2", "3"),
        ],
        domain.slots,
    )
    action = RemoteAction("validate_conceptualisation_form", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    events = asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain))
    assert isinstance(events[0], BotUttered) and "Sila cuba lagi" in events[0].text
    assert events[1:] == [SlotSet("con_2", None)]
    other = RemoteAction("action_next_step", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    assert (
        len(asyncio.run(other.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain)))
        == 1
    )
