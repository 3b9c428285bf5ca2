"""A Telegram user talking to the real Sedia stack through the Bot API stand-in, with the
same reading helpers as the REST `Chat` (so the interview helpers drive both)."""

from __future__ import annotations

import html
import re
from typing import List, Optional

from bot.config.identity import pseudonymous_sender
from bot.core.messages import message
from tests.bot_api_standin import BotApiStandIn, TelegramUser, wait_until
from tests.e2e.conftest import Database, ReadsReplies, Reply

TOKEN = "123456789:TEST-token"
CHANNEL_KEY = "telegram:123456789"
_TAG = re.compile(r"<[^>]+>")
_INDEX = re.compile(r"(\d+)/100")


def plain(text: str) -> str:
    """What the user sees of an HTML message."""
    return html.unescape(_TAG.sub("", text))


def telegram_environment(api: BotApiStandIn, **extra: str) -> dict:
    """The settings that point Sedia's Telegram channel at the stand-in."""
    return {"TELEGRAM_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url, **extra}


def processed(db: Database, update_id: int) -> bool:
    """True once Sedia has handled the update (and sent its replies)."""
    return bool(
        db.rows(
            "SELECT 1 FROM processed_updates WHERE channel = :c AND update_id = :u",
            c=CHANNEL_KEY,
            u=update_id,
        )
    )


class TelegramChat(ReadsReplies):
    """One private chat: send, press, and read what came back for that update."""

    channel = "telegram"

    def __init__(
        self,
        api: BotApiStandIn,
        db: Database,
        user_id: int,
        language_code: str = "en",
        chat_id: Optional[int] = None,
        chat_type: str = "private",
    ) -> None:
        self.api = api
        self.db = db
        self.user = TelegramUser(api, user_id, language_code=language_code, chat_id=chat_id, chat_type=chat_type)
        self.sender = pseudonymous_sender("telegram", user_id)
        self.last: List[Reply] = []

    @property
    def chat_id(self) -> int:
        return self.user.chat_id

    def outgoing(self) -> list:
        """Every message and document the bot sent to this chat, in order."""
        return [
            c
            for c in self.api.calls
            if c.status == 200
            and c.params.get("chat_id") == self.chat_id
            and c.method in ("sendMessage", "sendDocument")
        ]

    def _exchange(self, send) -> List[Reply]:
        before = len(self.outgoing())
        update_id = send()
        wait_until(lambda: processed(self.db, update_id), 120, f"update {update_id} to be handled")
        new = self.outgoing()[before:]
        self.last = [
            Reply(
                plain(c.params.get("text") or c.params.get("caption") or ""),
                [
                    {"title": b["text"], "payload": b.get("callback_data") or b.get("url")}
                    for row in (c.params.get("reply_markup") or {}).get("inline_keyboard", [])
                    for b in row
                ],
                {"document": c.file} if c.method == "sendDocument" else None,
            )
            for c in new
        ]
        return self.last

    def say(self, text: str) -> List[Reply]:
        return self._exchange(lambda: self.user.send(text))

    def press(self, title: str) -> List[Reply]:
        return self._exchange(lambda: self.user.press(title))

    def other(self, **content) -> List[Reply]:
        """Send a message without text: photo=..., sticker=..., voice=..., location=..."""
        return self._exchange(lambda: self.user.send_other(**content))

    def edit(self, text: str) -> List[Reply]:
        return self._exchange(lambda: self.user.edit(text))

    def summary(self) -> Optional[dict]:
        """The readiness index of the complete-profile summary, if the last replies hold one."""
        for reply in self.last:
            if any(message("summary.complete", lang) in reply.text for lang in ("en", "ms")):
                found = _INDEX.search(reply.text)
                return {"index": int(found.group(1)) if found else None, "text": reply.text}
        return None
