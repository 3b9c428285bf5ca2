"""The conversation index: one row per stored conversation, kept up to date as Rasa's
tracker store saves its events (bot/rasa_glue/tracker_store.py), in the same transaction.

The dashboard's conversation review reads this table, filters and pages in SQL, instead
of aggregating the whole `events` table on every request. A row holds what the review
shows and filters on: the conversation's pseudonym, its channel, the respondent and
institution it belongs to, its first and last event, its counts and the themes it took
up. The sender id is kept only to join the row to its events and never leaves the
storage layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from bot.config.identity import conversation_pseudonym, respondent_id
from bot.core.instrument import load_instrument

# The actions that answer a message Sedia could not use.
FALLBACK_ACTIONS = ("action_explain_input", "action_default_fallback")
# Themes are kept as ",a,b," so that one theme is found with LIKE '%,a,%'.
_THEME_SEPARATOR = ","

_metadata = MetaData()
conversation_index = Table(
    "conversation_index",
    _metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("respondent_id", String(64), index=True),
    Column("channel", String(64), nullable=False, index=True),
    Column("institution", String(255), index=True),
    Column("first_at", Float),
    Column("last_at", Float, index=True),
    Column("user_messages", Integer, nullable=False, default=0),
    Column("fallbacks", Integer, nullable=False, default=0),
    Column("themes", String(512), nullable=False, default=_THEME_SEPARATOR),
)


@dataclass
class EventSummary:
    """What a run of events adds to a conversation's row."""

    first_at: Optional[float] = None
    last_at: Optional[float] = None
    user_messages: int = 0
    fallbacks: int = 0
    themes: Set[str] = field(default_factory=set)
    channel: Optional[str] = None
    institution: Optional[str] = None
    institution_set: bool = False


def summarise(events: Iterable[Dict[str, Any]]) -> EventSummary:
    """Summarise events as Rasa serialises them (`Event.as_dict()`)."""
    instrument = load_instrument()
    by_form = {theme.form_name: theme.id for theme in instrument.themes}
    answer_slots = {item.id for item in instrument.items}
    summary = EventSummary()
    # A message Sedia could not use counts once: read as nlu_fallback, or answered by a
    # fallback action when the NLU did place it. An open answer the NLU was unsure of but
    # the interview stored was used after all, and does not count: what matters is each
    # answer slot's last value in the turn (a form first fills the slot with the text,
    # then its validation keeps or clears it).
    counted_message = False
    turn = AnswerSlots(answer_slots)
    for event in events:
        timestamp = event.get("timestamp")
        if isinstance(timestamp, (int, float)):
            summary.first_at = timestamp if summary.first_at is None else min(summary.first_at, timestamp)
            summary.last_at = timestamp if summary.last_at is None else max(summary.last_at, timestamp)
        kind = event.get("event")
        if kind == "user":
            summary.fallbacks -= int(counted_message and turn.stored())
            turn = AnswerSlots(answer_slots)
            summary.user_messages += 1
            counted_message = ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "nlu_fallback"
            summary.fallbacks += int(counted_message)
            if summary.channel is None and event.get("input_channel"):
                summary.channel = str(event["input_channel"])
            theme = instrument.theme_of_intent(((event.get("parse_data") or {}).get("intent") or {}).get("name"))
            if theme is not None:
                summary.themes.add(theme)
        elif kind == "action":
            name = event.get("name")
            if name in FALLBACK_ACTIONS and not counted_message:
                summary.fallbacks += 1
                counted_message = True
            if name in by_form:
                summary.themes.add(by_form[name])
        elif kind == "active_loop" and event.get("name") in by_form:
            summary.themes.add(by_form[event["name"]])
        elif kind == "slot":
            turn.see(event)
            if event.get("name") == "institution":
                value = event.get("value")
                summary.institution = str(value) if value else None
                summary.institution_set = True
    summary.fallbacks -= int(counted_message and turn.stored())
    return summary


class AnswerSlots:
    """The answer slots set in one turn, each with its last value."""

    def __init__(self, names: Set[str]) -> None:
        self._names = names
        self._last: Dict[str, Any] = {}

    def see(self, event: Dict[str, Any]) -> None:
        """Note a slot event (other slots are ignored)."""
        if event.get("name") in self._names:
            self._last[str(event["name"])] = event.get("value")

    def stored(self) -> bool:
        """True when the turn left an answer in some answer slot."""
        return any(value not in (None, "") for value in self._last.values())


def _themes_text(themes: Set[str]) -> str:
    ordered = [t.id for t in load_instrument().themes if t.id in themes]
    return _THEME_SEPARATOR + "".join(f"{t}{_THEME_SEPARATOR}" for t in ordered)


def theme_pattern(theme_id: str) -> str:
    """The LIKE pattern that finds rows that took up `theme_id`."""
    return f"%{_THEME_SEPARATOR}{theme_id}{_THEME_SEPARATOR}%"


def record_events(connection: Connection, sender_id: str, new_events: List[Dict[str, Any]]) -> None:
    """Fold newly saved events into the conversation's row (created on its first events)."""
    if not new_events:
        return
    summary = summarise(new_events)
    row = (
        connection.execute(select(conversation_index).where(conversation_index.c.sender_id == sender_id))
        .mappings()
        .first()
    )
    if row is None:
        channel = summary.channel or "unknown"
        connection.execute(
            conversation_index.insert().values(
                sender_id=sender_id,
                conversation_id=conversation_pseudonym(sender_id),
                respondent_id=respondent_id(channel, sender_id),
                channel=channel,
                institution=summary.institution,
                first_at=summary.first_at,
                last_at=summary.last_at,
                user_messages=summary.user_messages,
                fallbacks=summary.fallbacks,
                themes=_themes_text(summary.themes),
            )
        )
        return
    changes: Dict[str, Any] = {
        "user_messages": row["user_messages"] + summary.user_messages,
        "fallbacks": row["fallbacks"] + summary.fallbacks,
        "themes": _themes_text(set(filter(None, row["themes"].split(_THEME_SEPARATOR))) | summary.themes),
    }
    if summary.first_at is not None:
        changes["first_at"] = summary.first_at if row["first_at"] is None else min(row["first_at"], summary.first_at)
        changes["last_at"] = summary.last_at if row["last_at"] is None else max(row["last_at"], summary.last_at)
    if row["channel"] == "unknown" and summary.channel:
        changes["channel"] = summary.channel
        changes["respondent_id"] = respondent_id(summary.channel, sender_id)
    if summary.institution_set:
        changes["institution"] = summary.institution
    connection.execute(conversation_index.update().where(conversation_index.c.sender_id == sender_id).values(**changes))


def forget(connection: Connection, sender_id: str) -> None:
    """Drop the conversation's row (its events were deleted)."""
    connection.execute(delete(conversation_index).where(conversation_index.c.sender_id == sender_id))


def rebuild(engine: Engine) -> int:
    """Build every row again from the `events` table, one conversation at a time; returns
    how many conversations it indexed. Run once when the table is new on an existing
    database; afterwards the tracker store keeps it up to date."""
    if not inspect(engine).has_table("events"):
        return 0
    built = 0
    with engine.begin() as connection:
        connection.execute(delete(conversation_index))
        senders = [row[0] for row in connection.execute(text("SELECT DISTINCT sender_id FROM events"))]
        for sender in senders:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender}
            )
            events = []
            for (data,) in rows:
                try:
                    event = json.loads(data)
                except (TypeError, ValueError):
                    continue
                if isinstance(event, dict):
                    events.append(event)
            record_events(connection, sender, events)
            built += 1
    return built


def ensure(engine: Engine) -> None:
    """Create the index table if it is missing, and fill it from existing events."""
    if inspect(engine).has_table(conversation_index.name):
        return
    conversation_index.create(engine, checkfirst=True)
    rebuild(engine)


def count(connection: Connection) -> int:
    """How many conversations the index holds."""
    return int(connection.execute(select(func.count()).select_from(conversation_index)).scalar() or 0)
