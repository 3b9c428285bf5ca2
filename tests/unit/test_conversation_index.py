"""The conversation index (issue 16, bug 8): kept up to date as events are saved, and
the review filters and pages in SQL on it, never on the events table."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event, select

from bot.config.identity import conversation_pseudonym, respondent_id
from bot.rasa_glue.tracker_store import ConsentAwareTrackerStore
from bot.storage import conversation_index as index
from bot.storage import repository
from bot.storage.conversations import (
    ConversationFilter,
    Visible,
    find_conversation,
    list_conversations,
    not_understood,
    tracker_engine,
)
from bot.storage.db import session_scope

DAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc).timestamp()
ALL = Visible(everything=True)


def _turn(tracker: DialogueStateTracker, text: str, intent: str, at: float, channel: str = "rest") -> None:
    tracker.update(
        UserUttered(
            text,
            {"name": intent, "confidence": 0.9},
            parse_data={"intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": []},
            input_channel=channel,
            timestamp=at,
        )
    )
    action = "action_explain_input" if intent == "nlu_fallback" else "utter_greet"
    tracker.update(ActionExecuted(action, timestamp=at + 1))
    tracker.update(BotUttered(f"reply to {text}", timestamp=at + 2))


def _store(url: str) -> ConsentAwareTrackerStore:
    return ConsentAwareTrackerStore(Domain.empty(), host=url)


def _consent(sender: str, channel: str = "rest") -> None:
    with session_scope() as session:
        repository.record_consent(session, respondent_id(channel, sender), channel)


def _save(store: ConsentAwareTrackerStore, tracker: DialogueStateTracker) -> None:
    asyncio.run(store.save(tracker))


def _rows(url: str) -> List[dict]:
    with tracker_engine(url).connect() as connection:
        return [dict(r) for r in connection.execute(select(index.conversation_index)).mappings()]


def _greeted(url: str, sender: str) -> tuple:
    """A consenting person's conversation, saved after its first turn."""
    store = _store(url)
    _consent(sender)
    tracker = DialogueStateTracker(sender, [])
    _turn(tracker, "hello", "greet", DAY)
    _save(store, tracker)
    return store, tracker


def test_each_save_folds_its_new_events_into_the_row(database_url):
    store, tracker = _greeted(database_url, "amina")
    [row] = _rows(database_url)
    assert row["conversation_id"] == conversation_pseudonym("amina") and row["channel"] == "rest"
    assert row["respondent_id"] == respondent_id("rest", "amina")
    assert (row["first_at"], row["last_at"], row["user_messages"], row["fallbacks"]) == (DAY, DAY + 2, 1, 0)
    assert row["institution"] is None and row["themes"] == ","
    tracker.update(SlotSet("institution", "Universiti Malaya", timestamp=DAY + 3))
    _turn(tracker, "qwzx", "nlu_fallback", DAY + 10)
    tracker.update(ActiveLoop("training_form", timestamp=DAY + 14))
    _turn(tracker, "assess training", "assess_training", DAY + 20)
    _save(store, tracker)
    [row] = _rows(database_url)
    assert (row["first_at"], row["last_at"], row["user_messages"], row["fallbacks"]) == (DAY, DAY + 22, 3, 1)
    assert row["institution"] == "Universiti Malaya" and row["themes"] == ",training,"
    # Rebuilding from the events gives the same row.
    assert index.rebuild(tracker_engine(database_url)) == 1
    assert _rows(database_url) == [row]


def test_a_conversation_without_consent_any_more_leaves_the_index(sqlite_url):
    store, tracker = _greeted(sqlite_url, "badrul")
    assert len(_rows(sqlite_url)) == 1
    with session_scope() as session:
        repository.erase_respondent(session, respondent_id("rest", "badrul"))
    _turn(tracker, "bye", "goodbye", DAY + 10)
    _save(store, tracker)
    assert _rows(sqlite_url) == []


@pytest.fixture
def many(sqlite_url):
    """75 conversations over 15 days, in two institutions and two channels."""
    store = _store(sqlite_url)
    for n in range(75):
        channel = "telegram" if n % 3 == 0 else "rest"
        sender = f"person-{n:03d}"
        _consent(sender, channel)
        tracker = DialogueStateTracker(sender, [])
        start = DAY + (n % 15) * 86400 + n
        _turn(tracker, "hello", "greet", start, channel)
        tracker.update(SlotSet("institution", "UM" if n % 2 else "UPM", timestamp=start + 3))
        if n % 5 == 0:
            _turn(tracker, "qwzx", "nlu_fallback", start + 10, channel)
        if n % 4 == 0:
            tracker.update(ActionExecuted("quality_form", timestamp=start + 20))
        _save(store, tracker)
    return sqlite_url


def _statements(engine, call):
    seen: List[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return result, seen


def test_the_review_filters_and_pages_in_sql_on_the_index(many):
    engine = tracker_engine(many)
    list_conversations(ConversationFilter(), ALL, engine=engine)  # the first call makes sure of the table
    (total, page), statements = _statements(
        engine, lambda: list_conversations(ConversationFilter(), ALL, page=2, page_size=30, engine=engine)
    )
    assert total == 75 and len(page) == 30
    # Two statements (count, page), neither reading the events table, whatever the size.
    assert len(statements) == 2 and not any("events" in s.replace("conversation_index", "") for s in statements)
    assert any("LIMIT" in s and "OFFSET" in s for s in statements)
    every = list_conversations(ConversationFilter(), ALL, page=1, page_size=100, engine=engine)[1]
    assert [c.last_at for c in every] == sorted((c.last_at for c in every), reverse=True)
    assert [c.sender_id for c in every[30:60]] == [c.sender_id for c in page]

    def count(wanted: ConversationFilter, visible: Visible = ALL) -> int:
        return list_conversations(wanted, visible, engine=engine)[0]

    assert count(ConversationFilter(channel="telegram")) == 25
    assert count(ConversationFilter(fallback=True)) == 15 and count(ConversationFilter(fallback=False)) == 60
    assert count(ConversationFilter(theme="quality")) == 19 and count(ConversationFilter(theme="training")) == 0
    day = date(2026, 11, 2)
    assert count(ConversationFilter(since=day, until=day)) == 5
    assert count(ConversationFilter(since=day + timedelta(days=10))) == 25
    assert count(ConversationFilter(), Visible(institution="UM")) == 37
    assert count(ConversationFilter(channel="telegram"), Visible(institution="UPM")) == 13
    assert count(ConversationFilter(), Visible(institution=None)) == 0
    assert count(ConversationFilter(), Visible(institution="' OR '1'='1")) == 0


def test_one_conversation_is_found_by_its_pseudonym_within_scope(many):
    engine = tracker_engine(many)
    name = conversation_pseudonym("person-001")  # UM
    assert find_conversation(name, ALL, engine).sender_id == "person-001"
    assert find_conversation(name, Visible(institution="UM"), engine).institution == "UM"
    assert find_conversation(name, Visible(institution="UPM"), engine) is None
    assert find_conversation("c-0000000000000000", ALL, engine) is None


def test_not_understood_reads_only_the_visible_conversations(many):
    engine = tracker_engine(many)
    [everyone] = not_understood(ALL, ConversationFilter(), engine)
    assert (everyone.text, everyone.count) == ("qwzx", 15)
    [um] = not_understood(Visible(institution="UM"), ConversationFilter(), engine)
    assert um.count == 7  # n = 5, 15, 25, ... odd multiples of 5 below 75
    assert not_understood(Visible(institution=None), ConversationFilter(), engine) == []


def test_an_open_answer_the_interview_stored_is_not_counted_as_not_understood(sqlite_url):
    from bot.core.instrument import load_instrument

    open_item = load_instrument().open_item_ids[0]
    store, tracker = _greeted(sqlite_url, "answerer")
    # An open answer the NLU was unsure of, stored by the form: used, not misunderstood.
    _turn(tracker, "we share one old camera among ten lecturers", "nlu_fallback", DAY + 10)
    tracker.update(SlotSet(open_item, "we share one old camera among ten lecturers", timestamp=DAY + 12))
    # Gibberish in the same conversation still counts: the form fills the slot with the
    # text first, then its validation clears it.
    _turn(tracker, "qwzx", "nlu_fallback", DAY + 20)
    tracker.update(SlotSet(open_item, "qwzx", timestamp=DAY + 21))
    tracker.update(SlotSet(open_item, None, timestamp=DAY + 22))
    _save(store, tracker)
    engine = tracker_engine(sqlite_url)
    assert [(n.text, n.count) for n in not_understood(ALL, ConversationFilter(), engine)] == [("qwzx", 1)]
    [row] = _rows(sqlite_url)
    assert row["fallbacks"] == 1
