"""Client message ids a channel has taken in, so a retried message is handled once.

A client that did not hear back sends the same message again with the same message id.
The first delivery claims the id in the database (`bot/storage/received.py`),
atomically across replicas; a later delivery is dropped. A message that could not be
handled gives its claim back, so its retry is handled. The database work runs off the
server's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional, Set

from bot.storage import received
from bot.storage.db import off_loop, session_scope

logger = logging.getLogger(__name__)

# About ten minutes of retries while the database is away.
_RELEASE_ATTEMPTS = 70


class ReceivedMessages:
    """Claims on client message ids for one channel, taken off the event loop."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._releasing: Set["asyncio.Task[None]"] = set()

    @staticmethod
    def key(sender: str, message_id: str) -> str:
        """The key a message is known by: a hash, so neither id is kept as given."""
        return received.message_key(sender, message_id)

    async def first_delivery(self, sender: str, message_id: Optional[str]) -> bool:
        """True when this message has not been received before (always, without an id)."""
        if message_id is None:
            return True
        return await off_loop(self._claim, received.message_key(sender, message_id))

    async def give_back(self, sender: str, message_id: Optional[str]) -> None:
        """Release the claim of a message that could not be handled. When the database is
        what failed, keep trying in the background until it answers, so the client's
        retry is not mistaken for a repeat."""
        if message_id is None:
            return
        key = received.message_key(sender, message_id)
        if not await self._try_release(key):
            task = asyncio.get_running_loop().create_task(self._release_later(key))
            self._releasing.add(task)
            task.add_done_callback(self._releasing.discard)

    async def _try_release(self, key: str) -> bool:
        try:
            await off_loop(self._release, key)
            return True
        except Exception as error:
            logger.warning("Could not give back a %s message id yet (%s)", self.channel, type(error).__name__)
            return False

    async def _release_later(self, key: str) -> None:
        delay = 0.5
        for _ in range(_RELEASE_ATTEMPTS):
            await asyncio.sleep(delay)
            if await self._try_release(key):
                return
            delay = min(delay * 2, 10.0)
        logger.error("Gave up giving back a %s message id; its retry will be taken as a repeat", self.channel)

    def _claim(self, key: str) -> bool:
        with session_scope() as session:
            return received.claim(session, self.channel, key)

    def _release(self, key: str) -> None:
        with session_scope() as session:
            received.release(session, self.channel, key)
