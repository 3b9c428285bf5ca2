"""Reading the conversation logs that Rasa keeps in its SQL tracker store (table `events`).

Only conversations of people who consented are stored there (see bot/tracker_store.py).
The dashboard reads them through this module: lists with filters, one transcript, and
the messages the NLU did not understand. Sender ids never leave this module; a
conversation is known by `conversation_pseudonym`.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, case, func, inspect, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine

from bot.instrument import Theme, load_instrument
from bot.storage.db import data_dir
from bot.storage.pseudonym import conversation_pseudonym

TRACKER_URL_ENV = "SEDIA_TRACKER_URL"
# The actions that answer a message Sedia could not use.
FALLBACK_ACTIONS = ("action_explain_input", "action_default_fallback")

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

_engines: Dict[str, Engine] = {}
_lock = threading.Lock()


def tracker_store_url() -> str:
    """Where Rasa keeps conversations: SEDIA_TRACKER_URL, or a SQLite file in the data folder."""
    return os.environ.get(TRACKER_URL_ENV) or f"sqlite:///{data_dir() / 'conversations.db'}"


def tracker_engine(url: Optional[str] = None) -> Engine:
    """An engine for the tracker store (created once per URL)."""
    url = url or tracker_store_url()
    with _lock:
        if url not in _engines:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            _engines[url] = create_engine(url, pool_pre_ping=True)
        return _engines[url]


def dispose_tracker_engines() -> None:
    """Close every tracker store engine (tests use this between databases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


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


def _is_fallback():
    return or_(events.c.intent_name == DEFAULT_NLU_FALLBACK_INTENT_NAME, events.c.action_name.in_(FALLBACK_ACTIONS))


def _channels(connection, senders: List[str]) -> Dict[str, str]:
    """Each sender's channel, from the first message they sent."""
    if not senders:
        return {}
    first = (
        select(func.min(events.c.id))
        .where(events.c.type_name == "user", events.c.sender_id.in_(senders))
        .group_by(events.c.sender_id)
    )
    rows = connection.execute(select(events.c.sender_id, events.c.data).where(events.c.id.in_(first)))
    return {sender: (_event_data(data) or {}).get("input_channel") or "unknown" for sender, data in rows}


def _touched(theme: Theme):
    """Events that show a conversation took up a theme: its form ran, or its intent was read."""
    return or_(events.c.action_name == theme.form_name, events.c.intent_name == theme.intent_name)


def list_conversations(wanted: ConversationFilter, engine: Optional[Engine] = None) -> List[Conversation]:
    """Stored conversations matching the filter, most recent activity first."""
    engine = engine or tracker_engine()
    if not _has_events_table(engine):
        return []
    is_user = events.c.type_name == "user"
    query = select(
        events.c.sender_id,
        func.min(events.c.timestamp),
        func.max(events.c.timestamp),
        func.sum(case((is_user, 1), else_=0)),
        # Each message Sedia could not use is answered by one fallback action.
        func.sum(case((events.c.action_name.in_(FALLBACK_ACTIONS), 1), else_=0)),
    ).group_by(events.c.sender_id)
    query = _within_dates(query, wanted)
    if wanted.theme:
        touched = select(events.c.sender_id).where(_touched(load_instrument().theme(wanted.theme)))
        query = query.where(events.c.sender_id.in_(touched))
    if wanted.fallback is not None:
        fallbacks = func.sum(case((_is_fallback(), 1), else_=0))
        query = query.having(fallbacks > 0 if wanted.fallback else fallbacks == 0)
    with engine.connect() as connection:
        rows = list(connection.execute(query))
        senders = [row[0] for row in rows]
        themes = _themes_by_sender(connection, senders)
        channels = _channels(connection, senders)
    found = [
        Conversation(sender, channels.get(sender, "unknown"), first, last, int(users or 0), int(fallbacks or 0),
                     themes.get(sender, []))
        for sender, first, last, users, fallbacks in rows
    ]
    if wanted.channel:
        found = [c for c in found if c.channel == wanted.channel]
    return sorted(found, key=lambda c: c.last_at, reverse=True)


def _themes_by_sender(connection, senders: List[str]) -> Dict[str, List[str]]:
    if not senders:
        return {}
    themes = load_instrument().themes
    by_form = {theme.form_name: theme.id for theme in themes}
    by_intent = {theme.intent_name: theme.id for theme in themes}
    query = select(events.c.sender_id, events.c.action_name, events.c.intent_name).distinct().where(
        events.c.sender_id.in_(senders), or_(*[_touched(theme) for theme in themes])
    )
    touched: Dict[str, set] = {}
    for sender, action, intent in connection.execute(query):
        touched.setdefault(sender, set()).add(by_form.get(action) or by_intent.get(intent))
    return {s: [t.id for t in themes if t.id in ts] for s, ts in touched.items()}


def find_conversation(
    pseudonym: str, candidates: Iterable[Conversation]
) -> Optional[Conversation]:
    """The conversation shown under `pseudonym`, among those the reviewer may see."""
    return next((c for c in candidates if c.pseudonym == pseudonym), None)


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
            "text": self.text, "count": self.count, "last_seen_at": _moment(self.last_at),
            "closest_intent": self.closest_intent,
            "confidence": round(self.confidence, 3) if self.confidence is not None else None,
        }


def not_understood(
    visible: Callable[[str], bool], wanted: ConversationFilter, engine: Optional[Engine] = None, limit: int = 200
) -> List[NotUnderstood]:
    """User messages that fell back to "I did not understand", grouped by their text,
    most frequent first; `visible(sender_id)` says which conversations the reviewer may see."""
    engine = engine or tracker_engine()
    if not _has_events_table(engine):
        return []
    query = select(events.c.sender_id, events.c.timestamp, events.c.data).where(
        events.c.type_name == "user", events.c.intent_name == DEFAULT_NLU_FALLBACK_INTENT_NAME
    )
    query = _within_dates(query, wanted)
    grouped: Dict[str, NotUnderstood] = {}
    with engine.connect() as connection:
        for sender, timestamp, data in connection.execute(query):
            event = _event_data(data) if visible(sender) else None
            if event is None:
                continue
            text = (event.get("text") or "").strip()
            ranking = (event.get("parse_data") or {}).get("intent_ranking") or []
            closest = next((r for r in ranking if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME), None)
            key = text.lower()
            entry = grouped.get(key)
            if entry is None:
                grouped[key] = NotUnderstood(
                    text, 1, timestamp or 0.0,
                    closest.get("name") if closest else None,
                    float(closest["confidence"]) if closest and closest.get("confidence") is not None else None,
                )
            else:
                entry.count += 1
                entry.last_at = max(entry.last_at, timestamp or 0.0)
    ordered = sorted(grouped.values(), key=lambda e: (-e.count, -e.last_at, e.text))
    return ordered[:limit]
