"""Sending to a Telegram chat: Rasa's OutputChannel for Telegram, in the shape of Rasa's
own `rasa/core/channels/telegram.py`, with what Sedia adds to it.

- Rasa's `send_response` dispatches each reply (text, buttons, custom JSON, image) to
  the methods below, in Rasa's order.
- A text longer than Telegram takes is split between paragraphs; its buttons go with the
  last part, one button a row (`telegram_format.py`).
- Every request is retried when Telegram asks to wait, fails or times out
  (`telegram_retry.py`); Telegram's own markup errors fall back to plain text.
- A plan arrives as custom JSON (`sedia_document`) and is sent as an HTML file.
- Messages that carry answer buttons are remembered (`OpenKeyboards`), so the router can
  take the buttons off once the chat moves on.
"""

from __future__ import annotations

import html
import re
from typing import Any, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.channels.telegram_format import CallbackPayloads, keyboard_rows, split_message
from bot.channels.telegram_retry import call_with_retries
from bot.channels.telegram_settings import CHANNEL
from bot.core.documents import markdown_to_html
from bot.core.messages import message

_TAG = re.compile(r"<[^>]+>")


def _plain(html_text: str) -> str:
    return html.unescape(_TAG.sub("", html_text))


class OpenKeyboards:
    """Per chat, the messages whose answer buttons still show. Memory only: the ids are
    not kept, and after a restart an old button is refused by the conversation instead."""

    def __init__(self) -> None:
        self._by_chat: Dict[int, List[int]] = {}

    def add(self, chat_id: int, message_id: int) -> None:
        """Remember that `message_id` in `chat_id` shows buttons."""
        open_ones = self._by_chat.setdefault(chat_id, [])
        if message_id not in open_ones:
            open_ones.append(message_id)

    def take(self, chat_id: int) -> List[int]:
        """The chat's messages with buttons, forgotten as they are handed out."""
        return self._by_chat.pop(chat_id, [])


class TelegramOutput(OutputChannel):
    """Replies to one Telegram chat, in the conversation's `language` (for documents)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, bot: Bot, payloads: CallbackPayloads, keyboards: OpenKeyboards, language: str) -> None:
        self.bot = bot
        self.payloads = payloads
        self.keyboards = keyboards
        self.language = language

    async def send_text_message(self, recipient_id: Any, text: Text, **kwargs: Any) -> None:
        """Send a text, split where Telegram needs it."""
        await self._send_parts(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: Any, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send a text with its buttons under the last part."""
        await self._send_parts(recipient_id, text, keyboard_rows(buttons or [], self.payloads))

    async def send_image_url(self, recipient_id: Any, image: Text, **kwargs: Any) -> None:
        """Send an image's address (Sedia sends none; a stray one is shown, not fetched)."""
        await self.send_html(recipient_id, html.escape(str(image)))

    async def send_custom_json(self, recipient_id: Any, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Send a plan (`sedia_document`) as an HTML file; other custom JSON is for the widget."""
        document = json_message.get("sedia_document") if isinstance(json_message, Mapping) else None
        if isinstance(document, Mapping):
            await self._send_document(recipient_id, document)

    async def say(self, chat_id: int, key: str, markup: Optional[InlineKeyboardMarkup] = None, **values: Any) -> None:
        """Send one of the channel's own texts (bot/core/messages.yml), escaped for HTML."""
        await self.send_html(chat_id, html.escape(message(key, self.language, **values)), markup)

    async def send_html(self, chat_id: int, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> None:
        """Send HTML; if Telegram cannot read the markup, the words go as plain text."""
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
            sent = await call_with_retries(
                lambda: self.bot.send_message(
                    chat_id, _plain(text), reply_markup=markup, link_preview_options=no_preview
                ),
                "sendMessage",
            )
        if markup is not None and any(b.callback_data for row in markup.inline_keyboard for b in row):
            self.keyboards.add(chat_id, sent.message_id)

    async def _send_parts(self, chat_id: int, text: Optional[str], rows: List[List[Dict[str, str]]]) -> None:
        if not text:
            return
        chunks = split_message(str(text))
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            markup = (
                InlineKeyboardMarkup([[InlineKeyboardButton(**button) for button in row] for row in rows])
                if last and rows
                else None
            )
            await self.send_html(chat_id, chunk, markup)

    async def _send_document(self, chat_id: int, document: Mapping[str, Any]) -> None:
        markdown = document.get("markdown")
        if not markdown:
            return
        language = str(document.get("language") or self.language)
        title = message("plan.title", language)
        page = markdown_to_html(str(markdown), title, language).encode("utf-8")
        caption = message("telegram.plan_file", language)
        filename = str(document.get("filename") or "sedia-action-plan.html")
        await call_with_retries(
            lambda: self.bot.send_document(chat_id, InputFile(page, filename=filename), caption=caption),
            "sendDocument",
        )
