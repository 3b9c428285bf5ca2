"""Sedia's Telegram bot: receives updates (long polling or webhook), hands each to the
conversation exactly once, and delivers the replies in order, retrying what Telegram
turns away.

- **Exactly once.** An update is skipped while it is in flight and once it is recorded
  as processed (`bot/service/telegram_update_log.py`). When polling, Telegram is only told to drop
  updates below the lowest one still in flight, and that cursor is stored, so a restart
  resumes where handling stopped and a redelivered update is recognised.
- **One poller.** With replicas, only the holder of a Redis lease polls
  (`bot/channels/telegram_lease.py`); the others stand by and take over if it dies.
- **Order and concurrency.** Each chat has its own queue (`OrderedWorkers`).
- **Privacy.** The conversation sees a pseudonymous sender id derived from the Telegram
  user id; the chat id lives only in memory, for as long as a reply is being sent. Logs
  name the pseudonym, never the Telegram id or username.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections import deque
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Dict, Iterator, List, Mapping, Optional, Set

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.inbound import too_long_reply
from bot.channels.ordered import OrderedWorkers
from bot.channels.telegram_format import CallbackPayloads, keyboard_rows, pressed_title, split_message
from bot.channels.telegram_lease import PollingLease
from bot.channels.telegram_retry import (
    SEND_READ_TIMEOUT,
    RetryPolicy,
    backoff_delays,
    call_with_retries,
    retry_after_seconds,
)
from bot.channels.telegram_settings import CHANNEL, TelegramSettings
from bot.channels.telegram_updates import (
    LANGUAGE_PAYLOADS,
    MENU,
    PAUSE_FIRST,
    PAUSE_PAYLOAD,
    Incoming,
    Kind,
    read_update,
)
from bot.config.identity import pseudonymous_sender
from bot.core.documents import markdown_to_html
from bot.core.messages import message
from bot.service.telegram_update_log import UpdateLog

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
TYPING_EVERY = 4.0  # Telegram shows "typing…" for 5 seconds
WEBHOOK_WAIT = 50.0  # Telegram gives up on a webhook call after about a minute
STOP_GRACE = 20.0
POLL_BACKOFF = RetryPolicy(first_delay=1.0, max_delay=30.0)
_TAG = re.compile(r"<[^>]+>")

Converse = Callable[[str, str], Awaitable[List[Dict[str, Any]]]]


@dataclass(frozen=True)
class ConversationState:
    """What the channel needs to know of a conversation: its language, and whether a
    form (the interview) is waiting for an answer."""

    language: str
    in_form: bool = False


StateOf = Callable[[str, Optional[str]], Awaitable[ConversationState]]


def _plain(html_text: str) -> str:
    return html.unescape(_TAG.sub("", html_text))


class TelegramService:
    """Sedia's Telegram bot, talking to the conversation through `converse`."""

    def __init__(
        self,
        settings: TelegramSettings,
        converse: Converse,
        state_of: StateOf,
        update_log: UpdateLog,
        lease: Optional[PollingLease] = None,
    ) -> None:
        self.settings = settings
        # The exactly-once record of updates, kept by the service layer.
        self.update_log = update_log
        self.lease = lease
        # Polling with replicas: "standby" until this process holds the lease.
        self.role = "standby" if lease is not None and settings.mode == "polling" else "active"
        self.converse = converse
        self.state_of = state_of
        base_file_url = (
            settings.base_url[: -len("bot")] + "file/bot" if settings.base_url.endswith("bot") else settings.base_url
        )
        self.bot = Bot(
            settings.token,
            base_url=settings.base_url,
            base_file_url=base_file_url,
            request=HTTPXRequest(connection_pool_size=64, read_timeout=SEND_READ_TIMEOUT, pool_timeout=10.0),
            get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
        )
        self.payloads = CallbackPayloads()
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
        # Messages whose buttons still show, per chat: taken off when the chat moves on,
        # so an old question cannot be answered by mistake. Memory only: ids are not kept.
        self._open_keyboards: Dict[int, List[int]] = {}
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
            self._spawn(self._answer_callback(incoming.callback.id))

        async def job() -> None:
            try:
                await self._handle(incoming)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Telegram: update %s failed", update_id)
                await self._apologise(incoming)
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

    # ----- handling ---------------------------------------------------------------

    async def _state(self, incoming: Incoming) -> ConversationState:
        if incoming.user_id is None:
            return ConversationState(incoming.language_hint or "en")
        return await self.state_of(self._sender(incoming), incoming.language_hint)

    @staticmethod
    def _sender(incoming: Incoming) -> str:
        return pseudonymous_sender(CHANNEL, incoming.user_id)

    async def _handle(self, incoming: Incoming) -> None:
        kind = incoming.kind
        if kind is Kind.IGNORE or incoming.chat_id is None:
            return
        chat_id = incoming.chat_id
        if kind is Kind.GROUP:
            link = f"https://t.me/{self.username}"
            language = incoming.language_hint or "en"
            button = InlineKeyboardButton(message("telegram.group_button", language), url=link)
            await self._say(chat_id, "telegram.group", language, InlineKeyboardMarkup([[button]]), link=link)
            return
        state = await self._state(incoming)
        language = state.language
        if kind in (Kind.NOT_TEXT, Kind.EDITED, Kind.FORWARDED, Kind.UNKNOWN_COMMAND):
            await self._say(chat_id, f"telegram.{kind.value}", language)
            return
        if kind is Kind.CHOOSE_LANGUAGE:
            rows = [
                [InlineKeyboardButton(title, callback_data=self.payloads.data_for(payload))]
                for title, payload in LANGUAGE_PAYLOADS.values()
            ]
            await self._say(chat_id, "telegram.choose_language", language, InlineKeyboardMarkup(rows))
            return
        texts = incoming.texts
        if incoming.command is None and texts:
            # Checked here, before the conversation: the NLU never reads what is too long.
            refusal = too_long_reply(texts[0], language)
            if refusal is not None:
                await self._send_html(chat_id, html.escape(refusal))
                return
        if incoming.command in PAUSE_FIRST and state.in_form:
            # A form takes every message as an answer: pause it first (the answers given so
            # far stay stored), so the command is heard.
            texts = (PAUSE_PAYLOAD, *texts)
        if kind is Kind.BUTTON:
            query = incoming.callback
            payload = self.payloads.payload_for(query.data)
            if payload is None:
                await self._say(chat_id, "telegram.expired_button", language)
                return
            await self._echo_press(chat_id, query, language)
            texts = (payload,)
        await self._close_keyboards(chat_id)
        sender = self._sender(incoming)
        replies: List[Dict[str, Any]] = []
        async with self._typing(chat_id):
            for text in texts:
                replies += await self.converse(sender, text)
        await self._deliver(chat_id, replies, language)

    async def _answer_callback(self, query_id: str) -> None:
        try:
            await call_with_retries(
                lambda: self.bot.answer_callback_query(query_id), "answerCallbackQuery", RetryPolicy(attempts=4)
            )
        except TelegramError as error:  # too old to answer: Telegram has cleared it already
            logger.info("Telegram: callback query not answered (%s)", error)

    async def _echo_press(self, chat_id: int, query, language: str) -> None:
        """Take the keyboard off the question and say which button was pressed."""
        message_obj = query.message
        keyboard = getattr(getattr(message_obj, "reply_markup", None), "inline_keyboard", None) or ()
        title = pressed_title(keyboard, query.data)
        if message_obj is not None and keyboard:
            open_ones = self._open_keyboards.setdefault(chat_id, [])
            if message_obj.message_id not in open_ones:
                open_ones.append(message_obj.message_id)
        await self._close_keyboards(chat_id)
        if title:
            await self._send_html(
                chat_id, "<i>" + html.escape(message("telegram.pressed", language, title=title)) + "</i>"
            )

    async def _close_keyboards(self, chat_id: int) -> None:
        for message_id in self._open_keyboards.pop(chat_id, []):
            try:
                await call_with_retries(
                    partial(
                        self.bot.edit_message_reply_markup, chat_id=chat_id, message_id=message_id, reply_markup=None
                    ),
                    "editMessageReplyMarkup",
                )
            except BadRequest:
                pass  # already without buttons, or too old to edit
            except TelegramError as error:
                logger.info("Telegram: could not take buttons off a message (%s)", error)

    async def _apologise(self, incoming: Incoming) -> None:
        if incoming.chat_id is None:
            return
        with suppress(Exception):
            language = incoming.language_hint or "en"
            await self._say(incoming.chat_id, "telegram.trouble", language)

    @asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        # Stopped by an event, never cancelled: cancelling a request midway can leave
        # PTB's HTTP client waiting on a connection forever.
        done = asyncio.Event()

        async def keep_typing() -> None:
            while not done.is_set():
                with suppress(TelegramError):
                    await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(done.wait(), TYPING_EVERY)

        self._spawn(keep_typing())
        # Let the indicator's first request leave before Rasa works: a turn that needs no
        # action call runs without yielding to the event loop, and would end first.
        await asyncio.sleep(0)
        try:
            yield
        finally:
            done.set()

    # ----- sending ----------------------------------------------------------------

    async def _deliver(self, chat_id: int, replies: List[Dict[str, Any]], language: str) -> None:
        """Send the conversation's replies in order: text (split, with its buttons last),
        then any document."""
        for reply in replies:
            try:
                await self._deliver_one(chat_id, reply, language)
            except Forbidden:
                logger.info("Telegram: the user has blocked the bot; replies dropped")
                return
            except TelegramError as error:
                logger.error("Telegram: a reply could not be delivered after retries (%s)", error)

    async def _deliver_one(self, chat_id: int, reply: Mapping[str, Any], language: str) -> None:
        text = reply.get("text")
        rows = keyboard_rows(reply.get("buttons") or [], self.payloads)
        if text:
            chunks = split_message(str(text))
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                markup = (
                    InlineKeyboardMarkup([[InlineKeyboardButton(**button) for button in row] for row in rows])
                    if last and rows
                    else None
                )
                await self._send_html(chat_id, chunk, markup)
        image = reply.get("image")
        if image:
            await self._send_html(chat_id, html.escape(str(image)))
        custom = reply.get("custom")
        if isinstance(custom, Mapping) and isinstance(custom.get("sedia_document"), Mapping):
            await self._send_document(chat_id, custom["sedia_document"], language)

    async def _say(
        self, chat_id: int, key: str, language: str, markup: Optional[InlineKeyboardMarkup] = None, **values: Any
    ) -> None:
        """Send one of the channel's own texts (bot/core/messages.yml), escaped for HTML."""
        await self._send_html(chat_id, html.escape(message(key, language, **values)), markup)

    async def _send_html(self, chat_id: int, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> None:
        no_preview = LinkPreviewOptions(is_disabled=True)
        try:
            sent = await call_with_retries(
                lambda: self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=no_preview
                ),
                "sendMessage",
            )
        except BadRequest as error:
            if "parse" not in str(error).lower() and "entit" not in str(error).lower():
                raise
            # Telegram could not read our markup: the words matter more than the bold.
            sent = await call_with_retries(
                lambda: self.bot.send_message(
                    chat_id, _plain(text), reply_markup=markup, link_preview_options=no_preview
                ),
                "sendMessage",
            )
        if markup is not None and any(b.callback_data for row in markup.inline_keyboard for b in row):
            self._open_keyboards.setdefault(chat_id, []).append(sent.message_id)

    async def _send_document(self, chat_id: int, document: Mapping[str, Any], language: str) -> None:
        markdown = document.get("markdown")
        if not markdown:
            return
        doc_language = str(document.get("language") or language)
        title = message("plan.title", doc_language)
        page = markdown_to_html(str(markdown), title, doc_language).encode("utf-8")
        caption = message("telegram.plan_file", doc_language)
        filename = str(document.get("filename") or "sedia-action-plan.html")
        await call_with_retries(
            lambda: self.bot.send_document(chat_id, InputFile(page, filename=filename), caption=caption),
            "sendDocument",
        )
