"""Incoming-update bookkeeping for channels that receive numbered updates (Telegram).

A channel handles each update exactly once: it skips an update whose id is recorded
here, records each one when it is done, and, when polling, resumes from its cursor.
Only ids are kept, never an update's content.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.models import ChannelCursor, ProcessedUpdate, utcnow

# Telegram keeps an unconfirmed update for 24 hours; remembering ids for two days covers
# every redelivery it can make.
KEEP_PROCESSED_FOR = timedelta(days=2)


def cursor(session: Session, channel: str) -> Optional[int]:
    """The next update id the channel should ask for, or None before its first update."""
    row = session.get(ChannelCursor, channel)
    return None if row is None else int(row.next_update_id)


def move_cursor(session: Session, channel: str, next_update_id: int) -> None:
    """Record where the channel resumes; the cursor never moves backwards."""
    row = session.get(ChannelCursor, channel)
    if row is None:
        session.add(ChannelCursor(channel=channel, next_update_id=next_update_id, updated_at=utcnow()))
    elif next_update_id > row.next_update_id:
        row.next_update_id = next_update_id
        row.updated_at = utcnow()


def is_processed(session: Session, channel: str, update_id: int) -> bool:
    """True when the update has been handled already."""
    return session.get(ProcessedUpdate, (channel, update_id)) is not None


def mark_processed(session: Session, channel: str, update_id: int) -> None:
    """Record that the update has been handled (idempotent)."""
    if is_processed(session, channel, update_id):
        return
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_id=update_id, processed_at=utcnow()))
    except IntegrityError:
        pass  # another worker recorded it first: that is the same fact


def forget_processed(session: Session, channel: str, now: Optional[datetime] = None) -> int:
    """Drop records older than Telegram can redeliver, and those below the cursor."""
    now = now or utcnow()
    conditions = [ProcessedUpdate.processed_at < now - KEEP_PROCESSED_FOR]
    resume_at = cursor(session, channel)
    if resume_at is not None:
        conditions.append(ProcessedUpdate.update_id < resume_at)
    removed = 0
    for condition in conditions:
        result = session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.channel == channel, condition))
        removed += result.rowcount or 0
    return removed


def processed_ids(session: Session, channel: str) -> list:
    """Every recorded update id of the channel, in order (for tests and diagnostics)."""
    rows = session.execute(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.channel == channel).order_by(ProcessedUpdate.update_id)
    )
    return [int(r) for r in rows.scalars()]
