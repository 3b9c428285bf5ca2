"""Which Telegram updates a bot has handled, so each is handled exactly once.

An update is recorded as processed once its turn is over; when polling, the cursor
(where to resume after a restart) moves with it. The records are in the database
(`bot/storage/updates.py`) and written on one thread of their own: the bookkeeping's
writes never race each other, and they leave the server's event loop and default
executor alone.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

from bot.storage import updates
from bot.storage.db import get_engine, session_scope

logger = logging.getLogger(__name__)


class UpdateLog:
    """The exactly-once record of one bot's updates (`channel_key` tells bots apart)."""

    def __init__(self, channel_key: str, moves_cursor: bool) -> None:
        self.channel_key = channel_key
        self.moves_cursor = moves_cursor  # polling resumes from the cursor; a webhook has none
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="telegram-db")

    async def ready(self) -> None:
        """Make sure the database is reachable and migrated (before the first update)."""
        await self._run(get_engine)

    async def cursor(self) -> Optional[int]:
        """Where polling resumes: the stored cursor, None before the first update."""
        return await self._run(self._cursor)

    async def forget_old(self) -> None:
        """Drop the records of updates Telegram will never deliver again."""
        await self._run(self._forget_old)

    async def was_processed(self, update_id: int) -> bool:
        """True when the update was handled before (a redelivery)."""
        return await self._run(self._was_processed, update_id)

    async def record_processed(self, update_id: int, resume: int) -> None:
        """Record the update as handled and, when polling, move the cursor to `resume`.
        A failure is logged, not raised: the turn is over, and a redelivery is rare."""
        await self._run(self._record_processed, update_id, resume)

    def close(self) -> None:
        """Finish the queued writes and stop the thread."""
        self._thread.shutdown(wait=True)

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _cursor(self) -> Optional[int]:
        with session_scope() as session:
            return updates.cursor(session, self.channel_key)

    def _forget_old(self) -> None:
        with session_scope() as session:
            updates.forget_processed(session, self.channel_key)

    def _was_processed(self, update_id: int) -> bool:
        with session_scope() as session:
            return updates.is_processed(session, self.channel_key, update_id)

    def _record_processed(self, update_id: int, resume: int) -> None:
        try:
            with session_scope() as session:
                updates.mark_processed(session, self.channel_key, update_id)
                if self.moves_cursor:
                    updates.move_cursor(session, self.channel_key, resume)
        except Exception:
            logger.exception("Telegram: could not record update %s as processed", update_id)
