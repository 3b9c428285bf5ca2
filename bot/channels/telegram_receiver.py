"""Receiving Telegram updates (long polling or webhook) and handing each to the router
exactly once, in order per chat.

- **Exactly once.** An update is skipped while it is in flight and once it is recorded
  as processed (`bot/service/telegram_update_log.py`). When polling, Telegram is only
  told to drop updates below the lowest one still in flight, and that cursor is stored,
  so a restart resumes where handling stopped and a redelivered update is recognised.
- **One poller.** With replicas, only the holder of a Redis lease polls
  (`bot/channels/telegram_lease.py`); the others stand by and take over if it dies.
- **Order and concurrency.** Each chat has its own queue (`OrderedWorkers`).
- **Trouble.** Polling survives any error with backoff, and `status()` says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from functools import partial
from typing import Any, Awaitable, Deque, Dict, Iterator, Optional, Set

from telegram import Bot, BotCommand, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.channels.ordered import OrderedWorkers
from bot.channels.telegram_lease import PollingLease
from bot.channels.telegram_retry import RetryPolicy, backoff_delays, call_with_retries, retry_after_seconds
from bot.channels.telegram_router import TelegramRouter
from bot.channels.telegram_settings import TelegramSettings
from bot.channels.telegram_updates import MENU, read_update
from bot.core.messages import message
from bot.service.telegram_update_log import UpdateLog

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
WEBHOOK_WAIT = 50.0  # Telegram gives up on a webhook call after about a minute
STOP_GRACE = 20.0
POLL_BACKOFF = RetryPolicy(first_delay=1.0, max_delay=30.0)


class TelegramReceiver:
    """Takes in the updates of one bot and hands each to `router` once."""

    def __init__(
        self,
        settings: TelegramSettings,
        bot: Bot,
        router: TelegramRouter,
        update_log: UpdateLog,
        lease: Optional[PollingLease] = None,
    ) -> None:
        self.settings = settings
        self.bot = bot
        self.router = router
        # The exactly-once record of updates, kept by the service layer.
        self.update_log = update_log
        self.lease = lease
        # Polling with replicas: "standby" until this process holds the lease.
        self.role = "standby" if lease is not None and settings.mode == "polling" else "active"
        self.workers = OrderedWorkers()
        self.username = ""
        self.bot_id: Optional[int] = None
        self.ready = asyncio.Event()
        self._in_flight: Set[int] = set()
        self._results: Dict[int, "asyncio.Future[None]"] = {}
        self._recently_done: Deque[int] = deque(maxlen=5000)
        self._highest_seen: Optional[int] = None
        self._progress = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._background: Set[asyncio.Task] = set()
        # Why receiving is failing right now (the database away, say), for the status page.
        self.trouble: Optional[str] = None

    # ----- life cycle -------------------------------------------------------------

    async def start(self) -> None:
        """Connect and, when polling, start polling; neither blocks the server's start."""
        try:
            await self.update_log.ready()
        except Exception as error:  # the database may come later: receiving waits for it
            self.trouble = f"database unavailable ({type(error).__name__})"
            logger.warning("Telegram: the database is not available yet (%s)", error)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop receiving, let the queued updates finish, then close the connection."""
        self._stopping = True
        self._stop_requested.set()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._task
        if not await self.workers.wait_idle(STOP_GRACE):
            logger.warning("Telegram: stopping with %d chats still busy", self.workers.busy_keys)
        await self.workers.cancel()
        if self.lease is not None:
            await self.lease.close()
        with suppress(Exception):
            await self.bot.shutdown()
        self.update_log.close()

    async def _run(self) -> None:
        if not await self._connect():
            return
        await self._register_commands()
        if self.settings.mode == "webhook":
            await call_with_retries(
                lambda: self.bot.set_webhook(
                    self.settings.webhook_url,
                    secret_token=self.settings.secret,
                    allowed_updates=ALLOWED_UPDATES,
                ),
                "setWebhook",
            )
            logger.info("Telegram: receiving updates by webhook as @%s", self.username)
            self.ready.set()
            return
        if self.lease is None:
            await self._poll_while(asyncio.Event())
            return
        while not self._stopping:
            if not await self.lease.acquire(self._stop_requested):
                return
            self.role = "active"
            lost = asyncio.Event()
            keeper = asyncio.get_running_loop().create_task(self.lease.hold(lost, self._stop_requested))
            try:
                await self._poll_while(lost)
            finally:
                keeper.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await keeper
            self.role = "standby"

    async def _poll_while(self, lost: asyncio.Event) -> None:
        # getUpdates refuses to work while a webhook is set.
        await call_with_retries(lambda: self.bot.delete_webhook(drop_pending_updates=False), "deleteWebhook")
        logger.info("Telegram: long polling as @%s", self.username)
        self.ready.set()
        await self._poll(lost)

    async def _connect(self) -> bool:
        """getMe until it works: Telegram may be unreachable when the server starts."""
        delays = backoff_delays(RetryPolicy(first_delay=1.0, max_delay=60.0))
        while not self._stopping:
            try:
                await self.bot.initialize()
                self.username = self.bot.username or ""
                self.bot_id = self.bot.id
                return True
            except InvalidToken:
                logger.error("Telegram rejected TELEGRAM_TOKEN; the Telegram channel is off.")
                return False
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
            except TelegramError as error:
                wait = next(delays)
                logger.warning("Telegram is not reachable yet (%s); trying again in %.0fs", error, wait)
                await asyncio.sleep(wait)
        return False

    async def _register_commands(self) -> None:
        for language in ("en", "ms"):
            commands = [BotCommand(name, message(f"telegram.commands.{name}", language)) for name in MENU]
            code = None if language == "en" else language
            try:
                await call_with_retries(
                    partial(self.bot.set_my_commands, commands, language_code=code), "setMyCommands"
                )
            except TelegramError as error:  # the menu is a convenience; commands work without it
                logger.warning("Telegram: could not register commands (%s)", error)

    def status(self) -> Dict[str, str]:
        """What the channel is doing, truthfully: off, starting, standby, ready, degraded
        (receiving, but failing and retrying) or stopped (receiving has ended)."""
        webhook_set = self.settings.mode == "webhook" and self.ready.is_set()
        if self._task is not None and self._task.done() and not self._stopping and not webhook_set:
            # Receiving ended by itself (the token refused, or an error nothing caught).
            return {"status": "stopped", "detail": self.trouble or "receiving ended"}
        if self.role == "standby":
            return {"status": "standby"}
        if self.trouble:
            return {"status": "degraded", "detail": self.trouble}
        return {"status": "ready" if self.ready.is_set() else "starting"}

    # ----- receiving --------------------------------------------------------------

    def resume_offset(self) -> Optional[int]:
        """The lowest update id not yet handled: Telegram may forget everything below it."""
        if self._in_flight:
            return min(self._in_flight)
        return None if self._highest_seen is None else self._highest_seen + 1

    async def _resume_point(self, lost: asyncio.Event) -> Optional[int]:
        """The stored cursor, asked for until the database answers."""
        delays = backoff_delays(POLL_BACKOFF)
        while not self._stopping and not lost.is_set():
            try:
                offset = await self.update_log.cursor()
                await self.update_log.forget_old()
                self.trouble = None
                return offset
            except Exception as error:
                await self._back_off(delays, "reading the polling cursor", error)
        return None

    async def _back_off(self, delays: Iterator[float], doing: str, error: BaseException) -> None:
        wait = next(delays)
        self.trouble = f"{doing} failed ({type(error).__name__}); retrying"
        logger.warning("Telegram: %s failed (%s); retrying in %.0fs", doing, error, wait)
        await asyncio.sleep(wait)

    async def _poll(self, lost: asyncio.Event) -> None:
        offset = await self._resume_point(lost)
        delays = backoff_delays(POLL_BACKOFF)
        failures = backoff_delays(POLL_BACKOFF)
        while not self._stopping and not lost.is_set():
            try:
                batch = await self.bot.get_updates(
                    offset=offset,
                    timeout=POLL_TIMEOUT,
                    allowed_updates=ALLOWED_UPDATES,
                    limit=100,
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except Conflict:
                logger.warning("Telegram: another process is receiving this bot's updates; waiting")
                await asyncio.sleep(5.0)
                continue
            except InvalidToken:
                logger.error("Telegram rejected TELEGRAM_TOKEN; polling stopped.")
                return
            except Exception as error:  # network, 5xx, time-outs, anything: polling goes on
                await self._back_off(delays, "getUpdates", error)
                continue
            delays = backoff_delays(POLL_BACKOFF)
            fresh, failed = 0, None
            for update in batch:
                try:
                    fresh += await self._accept_new(update)
                except Exception as error:
                    # Its bookkeeping failed (the database away): it was not taken, and
                    # the offset stays at it, so it comes back in the next batch.
                    failed = error
                    break
            resumed = self.resume_offset()
            if resumed is not None:
                offset = resumed
            if failed is not None:
                await self._back_off(failures, "taking in an update", failed)
                continue
            failures = backoff_delays(POLL_BACKOFF)
            self.trouble = None
            if batch and not fresh:
                # Everything Telegram sent is still being handled: wait for progress
                # instead of asking again at once.
                self._progress.clear()
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), 1.0)

    async def receive_webhook(self, data: Any) -> None:
        """Handle one update posted to the webhook; returns when it has been handled."""
        await asyncio.wait_for(self.ready.wait(), WEBHOOK_WAIT)
        try:
            update = Update.de_json(data, self.bot)
        except Exception:  # not an update: nothing to handle, and Telegram must not resend it
            logger.warning("Telegram webhook: ignored a body that is not an update")
            return
        if update is None:
            return
        await self._accept_new(update)
        result = self._results.get(update.update_id)
        if result is not None:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(result), WEBHOOK_WAIT)

    async def _accept_new(self, update: Update) -> int:
        """Queue `update` unless it is in flight or handled already; 1 if queued."""
        update_id = update.update_id
        if update_id in self._in_flight or update_id in self._recently_done:
            return 0
        self._in_flight.add(update_id)  # before any await, so a concurrent redelivery waits
        self._results[update_id] = asyncio.get_running_loop().create_future()
        try:
            processed = await self.update_log.was_processed(update_id)
        except Exception:
            # Not taken: out of flight, so its redelivery (or the next poll) is handled.
            self._in_flight.discard(update_id)
            result = self._results.pop(update_id, None)
            if result is not None and not result.done():
                result.cancel()
            raise
        if self._highest_seen is None or update_id > self._highest_seen:
            self._highest_seen = update_id
        if processed:
            self._settle(update_id)
            return 0
        incoming = read_update(update, self.username, self.bot_id)
        if incoming.callback is not None:
            # Answered at once, outside the chat's queue, so no spinner waits on a slow turn.
            self._spawn(self.router.acknowledge(incoming.callback.id))

        async def job() -> None:
            try:
                await self.router.handle(incoming)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Telegram: update %s failed", update_id)
                await self.router.apologise(incoming)
            # Out of flight first, so the cursor can pass it; a redelivery arriving now meets
            # the record in the one bookkeeping thread, queued ahead of its own check.
            self._in_flight.discard(update_id)
            await self.update_log.record_processed(update_id, self.resume_offset())
            self._settle(update_id)

        self.workers.submit(incoming.order_key, job)
        return 1

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run `work` in the background, keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _settle(self, update_id: int) -> None:
        self._in_flight.discard(update_id)
        self._recently_done.append(update_id)
        result = self._results.pop(update_id, None)
        if result is not None and not result.done():
            result.set_result(None)
        self._progress.set()
