"""Telegram long polling runs in exactly one process, whichever replicas are up.

Telegram lets one client at a time call getUpdates. Every Rasa server runs the Telegram
channel, so with replicas they take turns through a lease in Redis: a key holding the
holder's id, set only if absent and with an expiry, renewed while its holder polls.
When the holder stops, it releases the key; when it dies, the key expires and a standby
takes over within `LEASE_SECONDS`, resuming from the update cursor in the database.

The lease outlasts one long poll plus one renewal interval, so a holder that cannot
renew (Redis gone, say) has finished its last getUpdates before anyone else may start.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Optional

logger = logging.getLogger(__name__)

RENEW_EVERY = 5.0
# One long poll (bot.channels.telegram_receiver.POLL_TIMEOUT, 25 s) plus a renewal.
LEASE_SECONDS = 30.0
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class PollingLease:
    """The right to poll one bot's updates, held by at most one process at a time."""

    def __init__(
        self,
        redis_url: str,
        bot_key: str,
        seconds: float = LEASE_SECONDS,
        renew_every: float = RENEW_EVERY,
    ) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(redis_url)
        self.key = f"sedia:telegram-poller:{bot_key}"
        self.holder = uuid.uuid4().hex
        self.milliseconds = int(seconds * 1000)
        self.renew_every = renew_every

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process holds it now."""
        taken = await self.client.set(self.key, self.holder, nx=True, px=self.milliseconds)
        return bool(taken) or await self.renew()

    async def renew(self) -> bool:
        """Extend the lease if this process still holds it; False when it was lost."""
        return bool(await self.client.eval(_RENEW, 1, self.key, self.holder, self.milliseconds))

    async def release(self) -> None:
        """Give the lease up at once, so a standby need not wait for it to expire."""
        await self.client.eval(_RELEASE, 1, self.key, self.holder)

    async def acquire(self, stopping: asyncio.Event) -> bool:
        """Wait until this process holds the lease (True) or `stopping` is set (False)."""
        announced = False
        while not stopping.is_set():
            try:
                if await self.try_acquire():
                    return True
                if not announced:
                    logger.info("Telegram: another server is polling; standing by to take over")
                    announced = True
            except Exception as error:  # Redis unreachable: nobody can be sure; keep trying
                logger.warning("Telegram: cannot reach Redis for the polling lease (%s)", error)
            try:
                await asyncio.wait_for(stopping.wait(), self.renew_every)
            except asyncio.TimeoutError:
                pass
        return False

    async def hold(self, lost: asyncio.Event, stopping: asyncio.Event) -> None:
        """Renew the lease until `stopping`; set `lost` and return if it cannot be renewed."""
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), self.renew_every)
                return
            except asyncio.TimeoutError:
                pass
            try:
                still_held = await self.renew()
            except Exception as error:
                logger.warning("Telegram: could not renew the polling lease (%s)", error)
                still_held = False
            if not still_held:
                logger.warning("Telegram: lost the polling lease; stopping polling")
                lost.set()
                return

    async def close(self) -> None:
        """Release the lease if held, and close the connection."""
        try:
            await self.release()
        except Exception:
            pass
        await self.client.close()


def polling_lease(redis_url: Optional[str], bot_key: str) -> Optional[PollingLease]:
    """A lease when replicas share Redis; None for a single server, which needs none."""
    return PollingLease(redis_url, bot_key) if redis_url else None
