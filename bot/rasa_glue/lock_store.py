"""A Redis lock store that stays correct when replicas take tickets at the same moment.

Rasa serialises the messages of one conversation with a ticket lock. Its open-source
`RedisLockStore` changes that lock by reading it, changing it in Python and writing it
back; two Rasa servers doing so at once both read an empty lock, both take ticket 0, and
both handle the conversation together (RasaHQ/rasa#9213; the fix, a concurrent lock
store, was withdrawn from the open-source line). Sedia's replication test saw exactly
that: two answers at the same moment both answered question 1.

This subclass makes every change to a lock one optimistic Redis transaction (WATCH the
key, read, change, MULTI/EXEC, and start again if another server changed it meanwhile),
so ticket numbers are unique and "done" never deletes a ticket someone just took.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store, with each read-change-write of a lock made atomic."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path from its endpoint configuration.
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, "host": endpoint_config.url or "localhost", **kwargs}
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: Text, change: Change) -> T:
        """Apply `change` to the stored lock in one transaction; returns its result."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    changed, result = change(lock)
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, changed.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock first: read it again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A ticket no other server holds for this conversation."""

        def take(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, take)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (a server that died while holding one, say)."""

        def prune(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, prune)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Give the ticket back; delete the lock only if nobody else holds a ticket."""

        def release(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomically(conversation_id, release)
