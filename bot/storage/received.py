"""Client message ids a channel has taken in (REST with a `message_id`, the widget).

A client that did not hear back sends the same message again with the same id. The
first delivery claims the id here, atomically across replicas; a later one finds it
claimed and is dropped. Only a hash of the conversation and the id is kept, for as long
as a client could still be retrying.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import ReceivedMessage, utcnow

# A widget resends what it queued while offline when it reconnects; a day covers a
# laptop closed overnight.
KEEP_RECEIVED_FOR = timedelta(days=1)


def message_key(sender: str, message_id: str) -> str:
    """The stored key of a client message: a hash, so neither id is kept as given."""
    return hashlib.sha256(f"{sender}\x1f{message_id}".encode("utf-8")).hexdigest()


def claim(session: Session, channel: str, key: str) -> bool:
    """Record the message as received; False when it was received before."""
    if session.get(ReceivedMessage, (channel, key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ReceivedMessage(channel=channel, message_key=key, received_at=utcnow()))
    except IntegrityError:
        return False  # another replica took it in first
    return True


def release(session: Session, channel: str, key: str) -> None:
    """Forget a claim whose message could not be handled, so its retry is handled."""
    session.execute(
        delete(ReceivedMessage).where(ReceivedMessage.channel == channel, ReceivedMessage.message_key == key)
    )


def forget_old(session: Session, now: Optional[datetime] = None) -> int:
    """Drop claims older than any retry; returns how many went."""
    cutoff = (now or utcnow()) - KEEP_RECEIVED_FOR
    result = session.execute(delete(ReceivedMessage).where(ReceivedMessage.received_at < cutoff))
    return result.rowcount or 0
