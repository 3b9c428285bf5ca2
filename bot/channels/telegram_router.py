"""What Sedia does with one Telegram update it has taken in: answer it itself (groups,
edits, stickers, unknown commands, the language menu, a message too long, an expired
button), or pass its text to the conversation and deliver the replies through
`TelegramOutput`, with a typing indicator while the conversation works.

The conversation sees a pseudonymous sender id derived from the Telegram user id; the
chat id lives only in memory, for as long as a reply is being sent.
"""

from __future__ import annotations

import asyncio
import html
import logging
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.inbound import too_long_reply
from bot.channels.telegram_format import CallbackPayloads, pressed_title
from bot.channels.telegram_output import OpenKeyboards, TelegramOutput
from bot.channels.telegram_retry import RetryPolicy, call_with_retries
from bot.channels.telegram_settings import CHANNEL
from bot.channels.telegram_updates import LANGUAGE_PAYLOADS, PAUSE_FIRST, PAUSE_PAYLOAD, Incoming, Kind
from bot.config.identity import pseudonymous_sender
from bot.core.instrument import DEFAULT_LANGUAGE
from bot.core.messages import message
from bot.service.sign_ins import Redemption, redeem_invitation_off_loop

logger = logging.getLogger(__name__)

TYPING_EVERY = 4.0  # Telegram shows "typing…" for 5 seconds

Converse = Callable[[str, str], Awaitable[List[Dict[str, Any]]]]
# (sender, code) -> what became of an invitation code, and its institution.
Redeem = Callable[[str, str], Awaitable[Tuple[Redemption, Optional[str]]]]


@dataclass(frozen=True)
class ConversationState:
    """What the channel needs to know of a conversation: its language, and whether a
    form (the interview) is waiting for an answer."""

    language: str
    in_form: bool = False


StateOf = Callable[[str, Optional[str]], Awaitable[ConversationState]]


class TelegramRouter:
    """Routes each update to the right reply, talking to the conversation through `converse`."""

    def __init__(self, bot: Bot, converse: Converse, state_of: StateOf, redeem: Optional[Redeem] = None) -> None:
        self.bot = bot
        self.converse = converse
        self.state_of = state_of
        self.redeem = redeem or partial(redeem_invitation_off_loop, CHANNEL)
        self.payloads = CallbackPayloads()
        self.keyboards = OpenKeyboards()
        self._background: Set[asyncio.Task] = set()

    def output(self, language: str) -> TelegramOutput:
        """The output channel for a chat whose conversation speaks `language`."""
        return TelegramOutput(self.bot, self.payloads, self.keyboards, language)

    async def handle(self, incoming: Incoming) -> None:
        """Reply to one update (in its chat's turn: the receiver orders them)."""
        kind = incoming.kind
        if kind is Kind.IGNORE or incoming.chat_id is None:
            return
        chat_id = incoming.chat_id
        if kind is Kind.GROUP:
            link = f"https://t.me/{self.bot.username}"
            output = self.output(incoming.language_hint or DEFAULT_LANGUAGE)
            button = InlineKeyboardButton(message("telegram.group_button", output.language), url=link)
            await output.say(chat_id, "telegram.group", InlineKeyboardMarkup([[button]]), link=link)
            return
        state = await self._state(incoming)
        output = self.output(state.language)
        if kind in (Kind.NOT_TEXT, Kind.EDITED, Kind.FORWARDED, Kind.UNKNOWN_COMMAND):
            await output.say(chat_id, f"telegram.{kind.value}")
            return
        if kind is Kind.CHOOSE_LANGUAGE:
            rows = [
                [InlineKeyboardButton(title, callback_data=self.payloads.data_for(payload))]
                for title, payload in LANGUAGE_PAYLOADS.values()
            ]
            await output.say(chat_id, "telegram.choose_language", InlineKeyboardMarkup(rows))
            return
        if kind is Kind.INVITATION:
            await self._redeem(output, incoming)
            if not incoming.texts:
                return
        texts = incoming.texts
        if incoming.command is None and texts:
            # Checked here, before the conversation: the NLU never reads what is too long.
            refusal = too_long_reply(texts[0], state.language)
            if refusal is not None:
                await output.send_html(chat_id, html.escape(refusal))
                return
        if incoming.command in PAUSE_FIRST and state.in_form:
            # A form takes every message as an answer: pause it first (the answers given so
            # far stay stored), so the command is heard.
            texts = (PAUSE_PAYLOAD, *texts)
        if kind is Kind.BUTTON:
            query = incoming.callback
            payload = self.payloads.payload_for(query.data)
            if payload is None:
                await output.say(chat_id, "telegram.expired_button")
                return
            await self._echo_press(output, chat_id, query)
            texts = (payload,)
        await self._close_keyboards(chat_id)
        sender = self._sender(incoming)
        replies: List[Dict[str, Any]] = []
        async with self._typing(chat_id):
            for text in texts:
                replies += await self.converse(sender, text)
        await self._deliver(output, chat_id, replies)

    async def acknowledge(self, query_id: str) -> None:
        """Answer a button press at once, so Telegram's spinner stops."""
        try:
            await call_with_retries(
                lambda: self.bot.answer_callback_query(query_id), "answerCallbackQuery", RetryPolicy(attempts=4)
            )
        except TelegramError as error:  # too old to answer: Telegram has cleared it already
            logger.info("Telegram: callback query not answered (%s)", error)

    async def apologise(self, incoming: Incoming) -> None:
        """Say sorry when handling an update failed; never raises."""
        if incoming.chat_id is None:
            return
        with suppress(Exception):
            await self.output(incoming.language_hint or DEFAULT_LANGUAGE).say(incoming.chat_id, "telegram.trouble")

    async def _redeem(self, output: TelegramOutput, incoming: Incoming) -> None:
        code = incoming.invitation
        outcome, institution = await self.redeem(self._sender(incoming), code)
        await output.say(incoming.chat_id, f"telegram.invitation.{outcome.value}", institution=institution, code=code)

    async def _state(self, incoming: Incoming) -> ConversationState:
        if incoming.user_id is None:
            return ConversationState(incoming.language_hint or DEFAULT_LANGUAGE)
        return await self.state_of(self._sender(incoming), incoming.language_hint)

    @staticmethod
    def _sender(incoming: Incoming) -> str:
        return pseudonymous_sender(CHANNEL, incoming.user_id)

    async def _echo_press(self, output: TelegramOutput, chat_id: int, query: Any) -> None:
        """Take the keyboard off the question and say which button was pressed."""
        message_obj = query.message
        keyboard = getattr(getattr(message_obj, "reply_markup", None), "inline_keyboard", None) or ()
        title = pressed_title(keyboard, query.data)
        if message_obj is not None and keyboard:
            self.keyboards.add(chat_id, message_obj.message_id)
        await self._close_keyboards(chat_id)
        if title:
            pressed = message("telegram.pressed", output.language, title=title)
            await output.send_html(chat_id, "<i>" + html.escape(pressed) + "</i>")

    async def _close_keyboards(self, chat_id: int) -> None:
        for message_id in self.keyboards.take(chat_id):
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

    async def _deliver(self, output: TelegramOutput, chat_id: int, replies: List[Dict[str, Any]]) -> None:
        """Send the conversation's replies in order, each through Rasa's dispatch."""
        for reply in replies:
            try:
                # Collected replies name their recipient; Rasa's dispatch takes it apart.
                content = {key: value for key, value in reply.items() if key != "recipient_id"}
                await output.send_response(chat_id, content)
            except Forbidden:
                logger.info("Telegram: the user has blocked the bot; replies dropped")
                return
            except TelegramError as error:
                logger.error("Telegram: a reply could not be delivered after retries (%s)", error)

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

        task = asyncio.get_running_loop().create_task(keep_typing())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        # Let the indicator's first request leave before Rasa works: a turn that needs no
        # action call runs without yielding to the event loop, and would end first.
        await asyncio.sleep(0)
        try:
            yield
        finally:
            done.set()
