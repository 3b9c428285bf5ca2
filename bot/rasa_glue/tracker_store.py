"""Rasa's SQL tracker store, holding only the conversations of people who consented.

endpoints.yml names this class. A conversation is written to SQL (SEDIA_TRACKER_URL,
SQLite in the data folder by default) once the person's consent is on record in the
answers database. Until then, after "no", and after they erase their data, it is kept
only in memory (this process's, or Redis shared by the replicas:
`bot.rasa_glue.held_conversations`), and whatever SQL held for it is deleted, so the logs the
dashboard reviews never hold anyone who did not agree (PDPA 2010).

Each process keeps the tracker it saved last for a conversation. The next message checks
that SQL still holds exactly that many events (one count) instead of reading back and
replaying the whole session, which grows with the interview. If another Rasa server
wrote to the conversation meanwhile (replicas behind a load balancer), only the events it
added are read and applied to the kept tracker, provided the kept ones are still there
unchanged and no new session began; otherwise SQL is read as usual.

Every save also updates the conversation index (`bot.storage.conversation_index`) in the
same transaction as the events, which the dashboard's review pages in SQL. Reads and
writes run on database threads (`bot.storage.db.off_loop`), never on the Rasa server's
event loop, so one slow query does not hold up every other conversation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from typing import Any, Iterable, List, Optional, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func
from sqlalchemy.engine import make_url

from bot.config.identity import respondent_id
from bot.config.settings import redis_url, tracker_url
from bot.rasa_glue import workarounds as rasa_workarounds  # noqa: F401  (installs them on import)
from bot.rasa_glue.held_conversations import Saved, held_conversations, remember
from bot.storage import conversation_index, repository
from bot.storage.db import make_sqlite_folder, off_loop, session_scope

logger = logging.getLogger(__name__)
# Stored conversations whose last saved tracker this process keeps, to skip reading them back.
MAX_RECENT = 1_000


class ConsentAwareTrackerStore(SQLTrackerStore):
    """SQL for conversations with consent on record; memory for every other one."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa passes the endpoint's `url` as `host`; a full SQLAlchemy URL is expected.
        url = make_url(host or tracker_url())
        # Rasa builds its own engine for the store from the URL's parts.
        make_sqlite_folder(url.render_as_string(hide_password=False))
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
            **kwargs,
        )
        # Rasa's engine hands out pooled connections without checking them, so after the
        # database restarts every pooled connection fails once. Check each on checkout.
        self.engine.pool._pre_ping = True
        conversation_index.ensure(self.engine)
        self._unconsented = held_conversations(redis_url())
        self._recent: "OrderedDict[str, Saved]" = OrderedDict()
        # The database threads share the kept trackers.
        self._recent_lock = threading.Lock()

    @staticmethod
    def has_consent(tracker: DialogueStateTracker) -> bool:
        """True when the person behind this conversation has consent on record."""
        channel = tracker.get_latest_input_channel() or "unknown"
        with session_scope() as session:
            return repository.has_consent(session, respondent_id(channel, tracker.sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write to SQL with consent; otherwise keep in memory and delete any SQL copy."""
        await self.stream_events(tracker)
        await off_loop(self._save_here, tracker)

    def _save_here(self, tracker: DialogueStateTracker) -> None:
        if self.has_consent(tracker):
            self._unconsented.drop(tracker.sender_id)
            last_id = self._store_new_events(tracker)
            with self._recent_lock:
                remember(self._recent, tracker, MAX_RECENT, last_id)
            return
        with self._recent_lock:
            self._recent.pop(tracker.sender_id, None)
        self._unconsented.put(tracker)
        self._delete_stored(tracker.sender_id)

    def _store_new_events(self, tracker: DialogueStateTracker) -> Optional[int]:
        """Add the events SQL does not hold yet, and fold them into the conversation index,
        in one transaction; returns the conversation's last event id."""
        with self.session_scope() as session:
            added = [event.as_dict() for event in self._additional_events(session, tracker)]
            for data in added:
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=data.get("event"),
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.flush()
            conversation_index.record_events(session.connection(), tracker.sender_id, added)
            last_id = (
                session.query(func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == tracker.sender_id).scalar()
            )
            session.commit()
        return last_id

    def _delete_stored(self, sender_id: str) -> None:
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            conversation_index.forget(session.connection(), sender_id)
            session.commit()
        if deleted:
            logger.info("Deleted a stored conversation: no consent on record any more.")

    def _from_memory(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if self.domain is None:
            return None
        return self._unconsented.get(sender_id, self.domain)

    def _added_since(self, sender_id: Text, held: Saved) -> Optional[Tuple[List[Event], Optional[int]]]:
        """The events stored after the kept tracker's, and the new last id; None when the
        kept ones are not all there unchanged (erased, rewritten, or a new session)."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            count = query.count()
            if count == held.count:
                return [], held.last_id
            if count < held.count or held.count == 0 or held.last_id is None:
                return None
            # From the kept tracker's last event on: it must still be where it was.
            rows = query.offset(held.count - 1).all()
            rows = [(row.id, row.type_name, row.data) for row in rows]
        if not rows or rows[0][0] != held.last_id:
            return None
        added = rows[1:]
        if any(type_name == SessionStarted.type_name for _, type_name, _ in added):
            return None
        return [Event.from_parameters(json.loads(data)) for _, _, data in added], rows[-1][0]

    def _from_recent(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker this process saved last, brought up to date with what SQL holds.

        Counting the stored events is one indexed query; reading them back means decoding
        and replaying every event of the session, which grows with the interview. When
        another Rasa server handled this conversation since, only its events are read.
        """
        with self._recent_lock:
            held = self._recent.get(sender_id)
        if held is None or self.domain is None:
            return None
        found = self._added_since(sender_id, held)
        if found is None:
            with self._recent_lock:
                self._recent.pop(sender_id, None)
            return None
        added, last_id = found
        tracker = held.as_saved(self.domain)
        with self._recent_lock:
            if added:
                for event in added:
                    tracker.update(event)
                remember(self._recent, tracker, MAX_RECENT, last_id)
            elif sender_id in self._recent:
                self._recent.move_to_end(sender_id)
        return tracker

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if it has no consent yet, else from SQL."""
        return await off_loop(self._retrieve_here, sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions of a conversation, from memory or SQL."""
        return await off_loop(self._retrieve_here, conversation_id, True)

    def _retrieve_here(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        found = self._from_memory(sender_id) or (None if all_sessions else self._from_recent(sender_id))
        if found is not None:
            return found
        # Rasa's SQL read is a coroutine with no await in it: run it in this thread's own loop.
        return asyncio.run(SQLTrackerStore._retrieve(self, sender_id, fetch_events_from_all_sessions=all_sessions))

    async def keys(self) -> Iterable[Text]:
        """Every conversation id, stored or in memory."""
        stored = await super().keys()
        return list(dict.fromkeys([*stored, *self._unconsented.senders()]))
