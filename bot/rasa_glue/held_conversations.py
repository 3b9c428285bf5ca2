"""Where conversations without consent live: never in the SQL logs, only while needed.

One Rasa server keeps them in its own memory (`MemoryHeld`). Replicas must see the same
conversation whichever one a message reaches, so with `SEDIA_REDIS_URL` set they keep
them in Redis (`RedisHeld`), one list of events per conversation that expires a day
after its last message: never on disk (Sedia's Redis keeps nothing on disk; see
docs/deployment.md), gone once consent is given or refused-and-erased, and unreadable
to the dashboard.

Both keep the tracker object they saved last. Redis is asked only how many events it
holds for the conversation; when another replica added some, they are read back.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable, List, Optional, Protocol

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# Conversations one process keeps in memory; the least recently used go first.
MAX_IN_MEMORY = 10_000
# How long Redis keeps a conversation without consent after its last message.
REDIS_TTL_SECONDS = 24 * 3600
REDIS_KEY_PREFIX = "sedia:unconsented:"


@dataclass
class Saved:
    """A tracker as it was saved: the object, and how many events it had then."""

    tracker: DialogueStateTracker
    count: int
    # Where the store stood after the save: the id of the conversation's last SQL event.
    last_id: Optional[int] = None

    def as_saved(self, domain: Domain) -> DialogueStateTracker:
        """The tracker with exactly the events it had when saved.

        Rasa appends to the tracker it retrieved; when a turn fails before it is saved, the
        events added since are not part of the conversation, so they are dropped by
        replaying the saved ones.
        """
        if len(self.tracker.events) == self.count:
            return self.tracker
        events = list(self.tracker.events)[: self.count]
        self.tracker = DialogueStateTracker.from_events(self.tracker.sender_id, events, domain.slots)
        return self.tracker


def remember(
    held: "OrderedDict[str, Saved]",
    tracker: DialogueStateTracker,
    limit: int,
    last_id: Optional[int] = None,
) -> None:
    """Keep `tracker` as saved, dropping the least recently used beyond `limit`."""
    held[tracker.sender_id] = Saved(tracker, len(tracker.events), last_id)
    held.move_to_end(tracker.sender_id)
    while len(held) > limit:
        held.popitem(last=False)


class HeldConversations(Protocol):
    """Conversations kept outside the SQL logs."""

    def put(self, tracker: DialogueStateTracker) -> None:
        """Keep the tracker as it is now."""

    def get(self, sender_id: str, domain: Domain) -> Optional[DialogueStateTracker]:
        """The kept conversation, or None."""

    def drop(self, sender_id: str) -> None:
        """Forget the conversation."""

    def senders(self) -> Iterable[str]:
        """Every kept conversation's id."""


class MemoryHeld:
    """This process's memory: enough for one Rasa server."""

    def __init__(self, limit: int = MAX_IN_MEMORY) -> None:
        self.limit = limit
        self._held: "OrderedDict[str, Saved]" = OrderedDict()

    def put(self, tracker: DialogueStateTracker) -> None:
        remember(self._held, tracker, self.limit)

    def get(self, sender_id: str, domain: Domain) -> Optional[DialogueStateTracker]:
        held = self._held.get(sender_id)
        return None if held is None else held.as_saved(domain)

    def drop(self, sender_id: str) -> None:
        self._held.pop(sender_id, None)

    def senders(self) -> Iterable[str]:
        return list(self._held)


class RedisHeld:
    """Redis, shared by every replica: one list of serialised events per conversation."""

    def __init__(self, redis_url: str, ttl_seconds: int = REDIS_TTL_SECONDS, limit: int = MAX_IN_MEMORY) -> None:
        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.ttl = ttl_seconds
        self.limit = limit
        self._last: "OrderedDict[str, Saved]" = OrderedDict()

    @staticmethod
    def key(sender_id: str) -> str:
        """The Redis key of a conversation."""
        return REDIS_KEY_PREFIX + sender_id

    def put(self, tracker: DialogueStateTracker) -> None:
        key = self.key(tracker.sender_id)
        events = list(tracker.events)
        stored = self.client.llen(key)
        if stored > len(events):  # cannot happen while the lock store orders turns; start over
            self.client.delete(key)
            stored = 0
        pipeline = self.client.pipeline()
        fresh = [json.dumps(event.as_dict()) for event in events[stored:]]
        if fresh:
            pipeline.rpush(key, *fresh)
        pipeline.expire(key, self.ttl)
        pipeline.execute()
        remember(self._last, tracker, self.limit)

    def get(self, sender_id: str, domain: Domain) -> Optional[DialogueStateTracker]:
        key = self.key(sender_id)
        stored = self.client.llen(key)
        if not stored:
            self._last.pop(sender_id, None)
            return None
        held = self._last.get(sender_id)
        if held is not None and held.count == stored:
            return held.as_saved(domain)
        events: List[Event] = [Event.from_parameters(json.loads(raw)) for raw in self.client.lrange(key, 0, -1)]
        tracker = DialogueStateTracker.from_events(sender_id, events, domain.slots)
        remember(self._last, tracker, self.limit)
        return tracker

    def drop(self, sender_id: str) -> None:
        self.client.delete(self.key(sender_id))
        self._last.pop(sender_id, None)

    def senders(self) -> Iterable[str]:
        prefix = len(REDIS_KEY_PREFIX)
        return [key.decode("utf-8")[prefix:] for key in self.client.scan_iter(match=REDIS_KEY_PREFIX + "*")]


def held_conversations(redis_url: Optional[str]) -> HeldConversations:
    """Redis when replicas share conversations, else this process's memory."""
    return RedisHeld(redis_url) if redis_url else MemoryHeld()
