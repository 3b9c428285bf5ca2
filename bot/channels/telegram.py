"""Sedia's Telegram input channel for Rasa, built on python-telegram-bot 22.

Registered in credentials.yml as `bot.channels.telegram.TelegramInput`. It is off until
`TELEGRAM_TOKEN` is set. Then, by default, it long-polls Telegram from inside the Rasa
server (no public URL needed); with `TELEGRAM_MODE=webhook` it sets a webhook with a
secret token and accepts updates at `/webhooks/telegram/webhook` only with that token.

This module puts the parts together and adapts them to Rasa: the receiver
(`telegram_receiver.py`: polling or webhook, each update once) hands updates to the
router (`telegram_router.py`), which turns a message into a Rasa turn and delivers the
replies through `TelegramOutput` (`telegram_output.py`, Rasa's OutputChannel).

python-telegram-bot's own pieces are used where they fit: its Bot and HTTP client, its
update and keyboard types. Two are not: its callback-data cache replaces every button's
data with a key held in memory, so an answer button pressed after a restart would be
lost, while Sedia's payloads fit Telegram's 64 bytes as they are and survive a restart
(`telegram_format.CallbackPayloads` keys only the rare long one); and its rate limiter
(`AIORateLimiter`) needs an extra package and an Application, while Sedia sends one reply
at a time per chat and waits as long as Telegram's RetryAfter says (`telegram_retry.py`).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram_lease import polling_lease
from bot.channels.telegram_receiver import TelegramReceiver
from bot.channels.telegram_retry import SEND_READ_TIMEOUT
from bot.channels.telegram_router import ConversationState, TelegramRouter
from bot.channels.telegram_settings import CHANNEL, TelegramSettings
from bot.config.settings import redis_url
from bot.config.shared_secrets import same_secret
from bot.core.instrument import DEFAULT_LANGUAGE
from bot.core.language import chosen_language
from bot.service.telegram_update_log import UpdateLog

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# httpx logs every request URL at INFO, and a Bot API URL contains the token; PTB's and
# httpcore's debug logs carry chat ids and message text. None of that may reach a log,
# whatever LOG_LEVEL says.
for _noisy in ("httpx", "httpcore", "telegram"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


def connect(settings: TelegramSettings) -> Bot:
    """A Bot for `settings`: its API address (the tests' stand-in, say) and HTTP pools."""
    base_file_url = (
        settings.base_url[: -len("bot")] + "file/bot" if settings.base_url.endswith("bot") else settings.base_url
    )
    return Bot(
        settings.token,
        base_url=settings.base_url,
        base_file_url=base_file_url,
        request=HTTPXRequest(connection_pool_size=64, read_timeout=SEND_READ_TIMEOUT, pool_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
    )


class TelegramInput(InputChannel):
    """Telegram for Rasa: polling or webhook, per `TelegramSettings`."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(TelegramSettings.load(credentials, os.environ))

    def __init__(self, settings: Optional[TelegramSettings]) -> None:
        self.settings = settings
        self.service: Optional[TelegramReceiver] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The status and webhook routes, and the listeners that run the bot."""
        telegram = Blueprint("sedia_telegram", __name__)
        channel = self

        @telegram.route("/", methods=["GET"])
        async def status(_: Request) -> HTTPResponse:
            if channel.settings is None:
                return response.json({"status": "off", "hint": "set TELEGRAM_TOKEN"})
            service = channel.service
            found = service.status() if service is not None else {"status": "starting"}
            code = 503 if found["status"] in ("degraded", "stopped") else 200
            return response.json({**found, "mode": channel.settings.mode}, status=code)

        @telegram.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            settings = channel.settings
            if settings is None or settings.mode != "webhook" or channel.service is None:
                return response.json({"ok": False, "description": "webhook mode is off"}, status=404)
            given = request.headers.get(SECRET_HEADER, "")
            if not same_secret(given, settings.secret):
                return response.json({"ok": False, "description": "wrong secret token"}, status=403)
            try:
                body = request.json
            except Exception:
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
                return response.json({"ok": False, "description": "not a Telegram update"}, status=400)
            try:
                await channel.service.receive_webhook(body)
            except Exception:
                # Not acknowledged: Telegram delivers the update again later.
                logger.exception("Telegram webhook: update %s not taken in", body["update_id"])
                return response.json({"ok": False, "description": "not handled; deliver again"}, status=503)
            return response.json({"ok": True})

        @telegram.listener("after_server_start")
        async def start_bot(app, _loop) -> None:
            if channel.settings is None:
                logger.info("Telegram channel is off: TELEGRAM_TOKEN is not set")
                return

            async def converse(sender: str, text: str) -> List[Dict[str, Any]]:
                collector = CollectingOutputChannel()
                await on_new_message(UserMessage(text, collector, sender, input_channel=CHANNEL))
                return collector.messages

            async def state_of(sender: str, hint: Optional[str]) -> ConversationState:
                tracker = await app.ctx.agent.tracker_store.retrieve(sender)
                if tracker is None or not tracker.events:
                    return ConversationState(hint or DEFAULT_LANGUAGE)
                return ConversationState(
                    chosen_language(tracker) or hint or DEFAULT_LANGUAGE, bool(tracker.active_loop_name)
                )

            settings = channel.settings
            bot = connect(settings)
            router = TelegramRouter(bot, converse, state_of)
            update_log = UpdateLog(settings.channel_key, moves_cursor=settings.mode == "polling")
            lease = polling_lease(redis_url(), settings.channel_key)
            channel.service = TelegramReceiver(settings, bot, router, update_log, lease)
            await channel.service.start()

        @telegram.listener("before_server_stop")
        async def stop_bot(_app, _loop) -> None:
            if channel.service is not None:
                await channel.service.stop()

        return telegram
