"""Rasa's SQL tracker store, holding only the conversations of people who consented.

endpoints.yml names this class. A conversation is written to SQL (SEDIA_TRACKER_URL,
SQLite in the data folder by default) once the person's consent is on record in the
answers database. Until then, after "no", and after they erase their data, it is kept
only in this process's memory, and whatever SQL held for it is deleted, so the logs the
dashboard reviews never hold anyone who did not agree (PDPA 2010).
"""
from __future__ import annotations

import logging
from pathlib import Path
from collections import OrderedDict
from typing import Any, Iterable, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot import rasa_validation
from bot.storage import repository
from bot.storage.conversations import tracker_store_url
from bot.storage.db import session_scope
from bot.storage.pseudonym import respondent_id

logger = logging.getLogger(__name__)
# Every Rasa server loads this module (endpoints.yml names it), so it installs the
# once-built action-response validator there (see bot/rasa_validation.py).
rasa_validation.install()
# Conversations without consent held in memory; the least recently used go first.
MAX_UNCONSENTED = 10_000


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
        self._unconsented: "OrderedDict[str, str]" = OrderedDict()

    @staticmethod
    def has_consent(tracker: DialogueStateTracker) -> bool:
        """True when the person behind this conversation has consent on record."""
        channel = tracker.get_latest_input_channel() or "unknown"
        with session_scope() as session:
            return repository.has_consent(session, respondent_id(channel, tracker.sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write to SQL with consent; otherwise keep in memory and delete any SQL copy."""
        if self.has_consent(tracker):
            self._unconsented.pop(tracker.sender_id, None)
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        self._unconsented[tracker.sender_id] = self.serialise_tracker(tracker)
        self._unconsented.move_to_end(tracker.sender_id)
        while len(self._unconsented) > MAX_UNCONSENTED:
            self._unconsented.popitem(last=False)
        self._delete_stored(tracker.sender_id)

    def _delete_stored(self, sender_id: str) -> None:
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        if deleted:
            logger.info("Deleted a stored conversation: no consent on record any more.")

    def _from_memory(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        serialised = self._unconsented.get(sender_id)
        if serialised is None or self.domain is None:
            return None
        return self.deserialise_tracker(sender_id, serialised)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if it has no consent yet, else from SQL."""
        return self._from_memory(sender_id) or await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions of a conversation, from memory or SQL."""
        return self._from_memory(conversation_id) or await super().retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[Text]:
        """Every conversation id, stored or in memory."""
        stored = await super().keys()
        return list(dict.fromkeys([*stored, *self._unconsented]))
