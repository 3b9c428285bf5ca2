"""Rasa's SQL tracker store, holding only the conversations of people who consented.

endpoints.yml names this class. A conversation is written to SQL (SEDIA_TRACKER_URL,
SQLite in the data folder by default) once the person's consent is on record in the
answers database. Until then, after "no", and after they erase their data, it is kept
only in memory (this process's, or Redis shared by the replicas:
`bot.held_conversations`), and whatever SQL held for it is deleted, so the logs the
dashboard reviews never hold anyone who did not agree (PDPA 2010).

Each process keeps the tracker it saved last for a conversation. The next message checks
that SQL still holds exactly that many events (one count) instead of reading back and
replaying the whole session, which grows with the interview; if another Rasa server
wrote to the conversation meanwhile, the count differs and SQL is read as usual.
"""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot import rasa_workarounds  # noqa: F401  (installs them on import)
from bot.held_conversations import Saved, held_conversations, remember
from bot.rasa_endpoints import REDIS_URL_VARIABLE
from bot.storage import repository
from bot.storage.conversations import tracker_store_url
from bot.storage.db import session_scope
from bot.storage.pseudonym import respondent_id

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
        url = make_url(host or tracker_store_url())
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
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
        self._unconsented = held_conversations(os.environ.get(REDIS_URL_VARIABLE) or None)
        self._recent: "OrderedDict[str, Saved]" = OrderedDict()

    @staticmethod
    def has_consent(tracker: DialogueStateTracker) -> bool:
        """True when the person behind this conversation has consent on record."""
        channel = tracker.get_latest_input_channel() or "unknown"
        with session_scope() as session:
            return repository.has_consent(session, respondent_id(channel, tracker.sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write to SQL with consent; otherwise keep in memory and delete any SQL copy."""
        if self.has_consent(tracker):
            self._unconsented.drop(tracker.sender_id)
            await super().save(tracker)
            remember(self._recent, tracker, MAX_RECENT)
            return
        self._recent.pop(tracker.sender_id, None)
        await self.stream_events(tracker)
        self._unconsented.put(tracker)
        self._delete_stored(tracker.sender_id)

    def _delete_stored(self, sender_id: str) -> None:
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        if deleted:
            logger.info("Deleted a stored conversation: no consent on record any more.")

    def _from_memory(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if self.domain is None:
            return None
        return self._unconsented.get(sender_id, self.domain)

    def _stored_count(self, sender_id: Text) -> int:
        with self.session_scope() as session:
            return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _from_recent(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker this process saved last, if SQL still holds exactly what it saved.

        Counting the stored events is one indexed query; reading them back means decoding
        and replaying every event of the session, which grows with the interview. Another
        Rasa server that handled this conversation since would have changed the count.
        """
        held = self._recent.get(sender_id)
        if held is None or self.domain is None:
            return None
        if self._stored_count(sender_id) != held.count:
            self._recent.pop(sender_id, None)
            return None
        self._recent.move_to_end(sender_id)
        return held.as_saved(self.domain)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if it has no consent yet, else from SQL."""
        return (
            self._from_memory(sender_id)
            or self._from_recent(sender_id)
            or await super().retrieve(sender_id)
        )

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions of a conversation, from memory or SQL."""
        return self._from_memory(conversation_id) or await super().retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[Text]:
        """Every conversation id, stored or in memory."""
        stored = await super().keys()
        return list(dict.fromkeys([*stored, *self._unconsented.senders()]))
