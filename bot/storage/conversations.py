"""Reading the conversation logs that Rasa keeps in its SQL tracker store (table `events`).

Only conversations of people who consented are stored there (see bot/rasa_glue/tracker_store.py).
The dashboard reads them through this module: lists with filters, one transcript, and
the messages the NLU did not understand. Sender ids never leave this module; a
conversation is known by `conversation_pseudonym`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional, Set, Tuple

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, false, func, inspect, select
from sqlalchemy.engine import Engine

from bot.config.identity import conversation_pseudonym
from bot.config.settings import tracker_url
from bot.core.instrument import load_instrument
from bot.storage import conversation_index as index
from bot.storage.db import dispose_all, engine_for

_metadata = MetaData()
# Rasa 3.6's SQLTrackerStore table, declared here only to read it.
events = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

_lock = threading.Lock()
# Databases whose conversation index this process has made sure of.
_indexed: Set[str] = set()


def tracker_engine(url: Optional[str] = None) -> Engine:
    """The engine of the tracker store at `url` (default: `tracker_url()`)."""
    return engine_for(url or tracker_url())


def dispose_tracker_engines() -> None:
    """Close every engine and forget which indexes were checked (tests use this between
    databases)."""
    with _lock:
        _indexed.clear()
    dispose_all()


def _epoch(day: date, days_later: int = 0) -> float:
    return datetime.combine(day + timedelta(days=days_later), time(), timezone.utc).timestamp()


def _moment(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ConversationFilter:
    """What a reviewer asks for: dates of activity, a channel, a theme, fallbacks only or none."""

    since: Optional[date] = None
    until: Optional[date] = None
    channel: Optional[str] = None
    theme: Optional[str] = None
    fallback: Optional[bool] = None


@dataclass
class Conversation:
    """One stored conversation, summarised; `sender_id` stays inside the storage layer."""

    sender_id: str
    channel: str
    first_at: float
    last_at: float
    user_messages: int
    fallbacks: int
    themes: List[str] = field(default_factory=list)
    institution: Optional[str] = None

    @property
    def pseudonym(self) -> str:
        """The conversation's name in the dashboard."""
        return conversation_pseudonym(self.sender_id)

    def document(self) -> Dict[str, Any]:
        """The summary as JSON, without the sender id."""
        return {
            "id": self.pseudonym,
            "channel": self.channel,
            "started_at": _moment(self.first_at),
            "last_activity_at": _moment(self.last_at),
            "user_messages": self.user_messages,
            "fallbacks": self.fallbacks,
            "themes": self.themes,
        }


def _event_data(data: Optional[str]) -> Optional[Dict[str, Any]]:
    """A stored event as Rasa serialised it, or None if it cannot be read."""
    try:
        event = json.loads(data)
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


def _within_dates(query, wanted: "ConversationFilter"):
    """`query` limited to events on the filter's days (UTC)."""
    if wanted.since:
        query = query.where(events.c.timestamp >= _epoch(wanted.since))
    if wanted.until:
        query = query.where(events.c.timestamp < _epoch(wanted.until, 1))
    return query


def _has_events_table(engine: Engine) -> bool:
    # Rasa creates the table when it first starts; before that there is nothing to read.
    return inspect(engine).has_table("events")


def _scoped(query, visible: "Visible"):
    """`query` (on the index) limited to the conversations the reviewer may see."""
    if visible.everything:
        return query
    if visible.institution is None:
        return query.where(false())
    return query.where(index.conversation_index.c.institution == visible.institution)


@dataclass(frozen=True)
class Visible:
    """Which conversations a reviewer may see: every one, or one institution's."""

    everything: bool = False
    institution: Optional[str] = None


def _conversation(row) -> Conversation:
    themes = [t for t in row["themes"].split(",") if t]
    return Conversation(
        row["sender_id"],
        row["channel"],
        row["first_at"],
        row["last_at"],
        int(row["user_messages"]),
        int(row["fallbacks"]),
        themes,
        row["institution"],
    )


def _ready(engine: Engine) -> bool:
    # Rasa creates `events` when it first starts; the index follows it (built once from
    # the events of an older database).
    key = engine.url.render_as_string(hide_password=False)
    if key in _indexed:
        return True
    if not _has_events_table(engine):
        return False
    with _lock:
        if key not in _indexed:
            index.ensure(engine)
            _indexed.add(key)
    return True


def has_conversations(engine: Engine) -> bool:
    """True when the conversation store at `engine` exists, with its index ready."""
    return _ready(engine)


def list_conversations(
    wanted: ConversationFilter,
    visible: Visible,
    page: int = 1,
    page_size: int = 50,
    engine: Optional[Engine] = None,
) -> Tuple[int, List[Conversation]]:
    """(how many match, the page asked for), most recent activity first; filtered and
    paged in SQL on the conversation index. A conversation is within the dates when it
    had activity between them."""
    engine = engine or tracker_engine()
    if not _ready(engine):
        return 0, []
    table = index.conversation_index
    query = _scoped(select(table), visible)
    if wanted.since:
        query = query.where(table.c.last_at >= _epoch(wanted.since))
    if wanted.until:
        query = query.where(table.c.first_at < _epoch(wanted.until, 1))
    if wanted.channel:
        query = query.where(table.c.channel == wanted.channel)
    if wanted.theme:
        query = query.where(table.c.themes.like(index.theme_pattern(wanted.theme)))
    if wanted.fallback is not None:
        query = query.where(table.c.fallbacks > 0 if wanted.fallback else table.c.fallbacks == 0)
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        rows = (
            connection.execute(
                query.order_by(table.c.last_at.desc(), table.c.sender_id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
            .mappings()
            .all()
        )
    return int(total), [_conversation(row) for row in rows]


def find_conversation(pseudonym: str, visible: Visible, engine: Optional[Engine] = None) -> Optional[Conversation]:
    """The conversation shown under `pseudonym`, if the reviewer may see it."""
    engine = engine or tracker_engine()
    if not _ready(engine):
        return None
    table = index.conversation_index
    with engine.connect() as connection:
        row = (
            connection.execute(_scoped(select(table), visible).where(table.c.conversation_id == pseudonym))
            .mappings()
            .first()
        )
    return None if row is None else _conversation(row)


def transcript(conversation: Conversation, engine: Optional[Engine] = None) -> List[Dict[str, Any]]:
    """The messages of a conversation in order: who spoke, when, what, and for the user's
    messages the intent Sedia read and whether it fell back."""
    engine = engine or tracker_engine()
    query = (
        select(events.c.type_name, events.c.timestamp, events.c.intent_name, events.c.data)
        .where(events.c.sender_id == conversation.sender_id, events.c.type_name.in_(("user", "bot")))
        .order_by(events.c.id)
    )
    lines = []
    with engine.connect() as connection:
        for kind, timestamp, intent, data in connection.execute(query):
            event = _event_data(data)
            if event is None:
                continue
            text = event.get("text")
            if kind == "bot" and not text:
                custom = (event.get("data") or {}).get("custom")
                text = f"[{custom.get('type', 'card')}]" if isinstance(custom, dict) else "[card]"
            line = {"speaker": "user" if kind == "user" else "sedia", "at": _moment(timestamp), "text": text or ""}
            if kind == "user":
                line["intent"] = intent
                line["fallback"] = intent == DEFAULT_NLU_FALLBACK_INTENT_NAME
            lines.append(line)
    return lines


@dataclass
class NotUnderstood:
    """A message text the NLU could not place, how often it came, and its closest intent."""

    text: str
    count: int
    last_at: float
    closest_intent: Optional[str]
    confidence: Optional[float]

    def document(self) -> Dict[str, Any]:
        """As JSON."""
        return {
            "text": self.text,
            "count": self.count,
            "last_seen_at": _moment(self.last_at),
            "closest_intent": self.closest_intent,
            "confidence": round(self.confidence, 3) if self.confidence is not None else None,
        }


def forget_conversations_before(cutoff: datetime, engine: Optional[Engine] = None) -> int:
    """Delete every conversation whose last event is older than `cutoff`: its events and its
    index row. Returns how many conversations went."""
    engine = engine or tracker_engine()
    if not _ready(engine):
        return 0
    moment = cutoff.timestamp()
    table = index.conversation_index
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(select(table.c.sender_id).where(table.c.last_at < moment))]
        for sender in senders:
            connection.execute(events.delete().where(events.c.sender_id == sender))
            index.forget(connection, sender)
    return len(senders)


def _answers_stored_after(connection: Any, fallbacks: List[Any]) -> Set[int]:
    """The ids of the fallback messages after which, before the next user message, the
    interview stored an answer. One query, over the conversations that had a fallback."""
    if not fallbacks:
        return set()
    senders = {row[1] for row in fallbacks}
    wanted = {row[0] for row in fallbacks}
    answer_slots = {item.id for item in load_instrument().items}
    later = (
        select(events.c.id, events.c.sender_id, events.c.type_name, events.c.data)
        .where(events.c.sender_id.in_(senders), events.c.type_name.in_(("user", "slot")))
        .where(events.c.id >= min(wanted))
        .order_by(events.c.sender_id, events.c.id)
    )
    stored: Set[int] = set()
    # Per conversation: the fallback message now open, and its turn's answer slots.
    turns: Dict[str, Tuple[Optional[int], index.AnswerSlots]] = {}
    for event_id, sender, kind, data in connection.execute(later):
        message_id, slots = turns.get(sender, (None, index.AnswerSlots(answer_slots)))
        if kind == "user":
            if message_id is not None and slots.stored():
                stored.add(message_id)
            turns[sender] = (event_id if event_id in wanted else None, index.AnswerSlots(answer_slots))
            continue
        event = _event_data(data) if message_id is not None else None
        if event:
            slots.see(event)
            turns[sender] = (message_id, slots)
    stored |= {message_id for message_id, slots in turns.values() if message_id is not None and slots.stored()}
    return stored


def not_understood(
    visible: Visible, wanted: ConversationFilter, engine: Optional[Engine] = None, limit: int = 200
) -> List[NotUnderstood]:
    """User messages that fell back to "I did not understand", grouped by their text,
    most frequent first, among the conversations the reviewer may see."""
    engine = engine or tracker_engine()
    if not _ready(engine):
        return []
    query = select(events.c.id, events.c.sender_id, events.c.timestamp, events.c.data).where(
        events.c.type_name == "user", events.c.intent_name == DEFAULT_NLU_FALLBACK_INTENT_NAME
    )
    if not visible.everything:
        shown = _scoped(select(index.conversation_index.c.sender_id), visible)
        query = query.where(events.c.sender_id.in_(shown))
    query = _within_dates(query, wanted)
    grouped: Dict[str, NotUnderstood] = {}
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        stored = _answers_stored_after(connection, rows)
        for event_id, _sender, timestamp, data in rows:
            if event_id in stored:
                continue  # an open answer the interview stored: understood after all
            event = _event_data(data)
            if event is None:
                continue
            text = (event.get("text") or "").strip()
            ranking = (event.get("parse_data") or {}).get("intent_ranking") or []
            closest = next((r for r in ranking if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME), None)
            key = text.lower()
            entry = grouped.get(key)
            if entry is None:
                grouped[key] = NotUnderstood(
                    text,
                    1,
                    timestamp or 0.0,
                    closest.get("name") if closest else None,
                    float(closest["confidence"]) if closest and closest.get("confidence") is not None else None,
                )
            else:
                entry.count += 1
                entry.last_at = max(entry.last_at, timestamp or 0.0)
    ordered = sorted(grouped.values(), key=lambda e: (-e.count, -e.last_at, e.text))
    return ordered[:limit]
