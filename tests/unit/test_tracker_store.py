"""The consent-aware tracker store on SQLite and PostgreSQL: SQL holds a conversation only
while its person's consent is on record; otherwise it lives in memory and SQL forgets it."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.config.identity import respondent_id
from bot.rasa_glue.tracker_store import ConsentAwareTrackerStore
from bot.storage import repository
from bot.storage.conversations import dispose_tracker_engines, tracker_engine
from bot.storage.db import session_scope
from tests.small_domain import language_slot_domain

SENDER = "widget-session-1"


def _stored(url: str) -> int:
    with tracker_engine(url).connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": SENDER}).scalar_one()


def _say(store: ConsentAwareTrackerStore, tracker: DialogueStateTracker, words: str) -> None:
    tracker.update(UserUttered(words, {"name": "greet", "confidence": 1.0}, input_channel="socketio"))
    tracker.update(BotUttered(f"reply to {words}"))
    asyncio.run(store.save(tracker))


def test_sql_holds_a_conversation_only_with_consent(database_url):
    store = ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)
    try:
        tracker = DialogueStateTracker(SENDER, [])
        _say(store, tracker, "hello")
        assert _stored(database_url) == 0, "no consent yet: nothing in SQL"
        in_memory = asyncio.run(store.retrieve(SENDER))
        assert [e.text for e in in_memory.events if isinstance(e, UserUttered)] == ["hello"]
        assert SENDER in asyncio.run(store.keys())

        with session_scope() as session:
            repository.record_consent(session, respondent_id("socketio", SENDER), "socketio")
        _say(store, tracker, "yes I agree")
        assert _stored(database_url) == 4, "with consent the whole conversation is written"
        again = ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)
        restored = asyncio.run(again.retrieve(SENDER))
        assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["hello", "yes I agree"]
        again.engine.dispose()

        with session_scope() as session:
            repository.erase_respondent(session, respondent_id("socketio", SENDER))
        _say(store, tracker, "delete my data")
        assert _stored(database_url) == 0, "after erasure SQL forgets the conversation"
        assert asyncio.run(store.retrieve(SENDER)) is not None, "the conversation goes on in memory"
    finally:
        store.engine.dispose()
        dispose_tracker_engines()


def _texts(tracker: DialogueStateTracker) -> list:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def _consented_store(database_url: str) -> ConsentAwareTrackerStore:
    with session_scope() as session:
        repository.record_consent(session, respondent_id("socketio", SENDER), "socketio")
    return ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)


def test_the_saved_tracker_is_not_read_back_from_sql(database_url, monkeypatch):
    store = _consented_store(database_url)
    try:
        tracker = DialogueStateTracker(SENDER, [])
        for words in ("hello", "yes", "UPM"):
            _say(store, tracker, words)
        rebuilt = []
        original = DialogueStateTracker.from_dict.__func__
        monkeypatch.setattr(
            DialogueStateTracker,
            "from_dict",
            classmethod(lambda cls, *a, **k: rebuilt.append(1) or original(cls, *a, **k)),
        )
        for _ in range(5):
            assert _texts(asyncio.run(store.retrieve(SENDER))) == ["hello", "yes", "UPM"]
        assert rebuilt == [], "each retrieve only counted the stored events"
    finally:
        store.engine.dispose()
        dispose_tracker_engines()


def test_another_server_writing_the_conversation_is_seen(database_url):
    # Two Rasa servers share the tracker store; each keeps its last saved tracker.
    first, second = _consented_store(database_url), ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)
    try:
        tracker = DialogueStateTracker(SENDER, [])
        _say(first, tracker, "hello")
        on_second = asyncio.run(second.retrieve(SENDER))
        _say(second, on_second, "answered on the second server")
        assert _texts(asyncio.run(first.retrieve(SENDER))) == ["hello", "answered on the second server"]
    finally:
        for store in (first, second):
            store.engine.dispose()
        dispose_tracker_engines()


def _counting_rebuilds(monkeypatch) -> list:
    rebuilt = []
    original = DialogueStateTracker.from_dict.__func__
    monkeypatch.setattr(
        DialogueStateTracker, "from_dict", classmethod(lambda cls, *a, **k: rebuilt.append(1) or original(cls, *a, **k))
    )
    return rebuilt


def test_what_another_server_added_is_read_alone_and_applied(database_url, monkeypatch):
    # Replicas behind a load balancer: turns alternate, and each server reads only the
    # other's new events instead of replaying the session.
    domain = language_slot_domain()
    first = ConsentAwareTrackerStore(domain=domain, host=database_url)
    _consented_store(database_url).engine.dispose()
    second = ConsentAwareTrackerStore(domain=domain, host=database_url)
    try:
        tracker = DialogueStateTracker(SENDER, domain.slots)
        _say(first, tracker, "hello")
        on_second = asyncio.run(second.retrieve(SENDER))
        on_second.update(SlotSet("language", "ms"))
        _say(second, on_second, "jawapan di pelayan kedua")
        rebuilt = _counting_rebuilds(monkeypatch)
        seen = asyncio.run(first.retrieve(SENDER))
        assert _texts(seen) == ["hello", "jawapan di pelayan kedua"]
        assert seen.get_slot("language") == "ms"
        assert rebuilt == [], "only the added events were read"
        _say(first, seen, "back on the first")
        assert _texts(asyncio.run(second.retrieve(SENDER))) == [
            "hello",
            "jawapan di pelayan kedua",
            "back on the first",
        ]
        assert rebuilt == []
        assert _stored(database_url) == 7  # three turns of two events, and the slot
    finally:
        for store in (first, second):
            store.engine.dispose()
        dispose_tracker_engines()


def test_a_new_session_or_a_rewrite_elsewhere_is_read_whole(database_url, monkeypatch):
    first, second = _consented_store(database_url), ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)
    try:
        tracker = DialogueStateTracker(SENDER, [])
        _say(first, tracker, "old session")
        # The second server starts a new session: the first must not glue it onto the old one.
        on_second = asyncio.run(second.retrieve(SENDER))
        on_second.update(SessionStarted())
        _say(second, on_second, "new session")
        for words in ("more", "and more"):  # as Rasa does each turn: retrieve, then save
            _say(second, asyncio.run(second.retrieve(SENDER)), words)
        rebuilt = _counting_rebuilds(monkeypatch)
        seen = asyncio.run(first.retrieve(SENDER))
        assert _texts(seen) == ["new session", "more", "and more"]
        assert rebuilt == [1]
        _say(first, seen, "kept by the first")
        # Erased and written again elsewhere (the person consented anew), longer than what
        # the first server kept: read whole again, not glued on.
        with tracker_engine(database_url).begin() as connection:
            connection.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": SENDER})
        fresh = DialogueStateTracker(SENDER, [])
        _say(second, fresh, "one")
        for words in ("two", "three", "four", "five", "six"):
            _say(second, asyncio.run(second.retrieve(SENDER)), words)
        rebuilt.clear()
        assert _texts(asyncio.run(first.retrieve(SENDER))) == ["one", "two", "three", "four", "five", "six"]
        assert rebuilt == [1]
    finally:
        for store in (first, second):
            store.engine.dispose()
        dispose_tracker_engines()


@pytest.mark.parametrize("consented", [True, False], ids=["in SQL", "in memory"])
def test_a_turn_that_failed_before_saving_is_not_kept(database_url, consented):
    if consented:
        store = _consented_store(database_url)
    else:
        store = ConsentAwareTrackerStore(domain=Domain.empty(), host=database_url)
    try:
        tracker = DialogueStateTracker(SENDER, [])
        _say(store, tracker, "hello")
        retrieved = asyncio.run(store.retrieve(SENDER))
        retrieved.update(UserUttered("lost in a crash", {"name": "greet", "confidence": 1.0}, input_channel="socketio"))
        assert _texts(asyncio.run(store.retrieve(SENDER))) == ["hello"]
        assert _stored(database_url) == (2 if consented else 0)
    finally:
        store.engine.dispose()
        dispose_tracker_engines()
