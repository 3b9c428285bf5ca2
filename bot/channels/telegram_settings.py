"""The Telegram channel's settings, from credentials.yml or the environment.

TELEGRAM_TOKEN turns the channel on; TELEGRAM_MODE is `polling` (the default: no public
URL needed) or `webhook` (with TELEGRAM_WEBHOOK_URL, and TELEGRAM_WEBHOOK_SECRET or a
secret derived from the token); TELEGRAM_API_BASE_URL points at another Bot API server.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

CHANNEL = "telegram"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class TelegramConfigError(ValueError):
    """The Telegram settings cannot work; the message says what to change."""


@dataclass(frozen=True)
class TelegramSettings:
    """How Sedia reaches Telegram, from credentials.yml or the environment."""

    token: str
    mode: str = "polling"
    base_url: str = DEFAULT_BASE_URL
    webhook_url: Optional[str] = None
    secret: str = ""

    @classmethod
    def load(cls, credentials: Optional[Mapping[str, Any]], environ: Mapping[str, str]) -> Optional["TelegramSettings"]:
        """The settings, or None when no token is set (the channel is then off).

        Raises TelegramConfigError when they are set but cannot work.
        """
        given = {k: v for k, v in (credentials or {}).items() if v not in (None, "")}

        def setting(key: str, variable: str, default: str = "") -> str:
            return str(given.get(key) or environ.get(variable) or default).strip()

        token = setting("token", "TELEGRAM_TOKEN")
        if not token:
            return None
        if not _TOKEN.match(token):
            raise TelegramConfigError(
                "TELEGRAM_TOKEN does not look like a bot token; it is the text BotFather gave, "
                "such as 123456789:AAH... (digits, a colon, then letters, digits, _ and -)."
            )
        mode = setting("mode", "TELEGRAM_MODE", "polling").lower()
        if mode not in ("polling", "webhook"):
            raise TelegramConfigError(f"TELEGRAM_MODE must be 'polling' or 'webhook', not {mode!r}.")
        webhook_url = setting("webhook_url", "TELEGRAM_WEBHOOK_URL") or None
        if mode == "webhook" and not webhook_url:
            raise TelegramConfigError(
                "TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL, the public HTTPS address of "
                "/webhooks/telegram/webhook on the Rasa server."
            )
        # Without a configured secret, one derived from the token: the same in every
        # server process and across restarts, and unguessable without the token.
        secret = (
            setting("secret", "TELEGRAM_WEBHOOK_SECRET")
            or hmac.new(token.encode("utf-8"), b"sedia-telegram-webhook", hashlib.sha256).hexdigest()
        )
        if not _SECRET.match(secret):
            raise TelegramConfigError(
                "TELEGRAM_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and -, up to 256 characters."
            )
        base_url = setting("base_url", "TELEGRAM_API_BASE_URL", DEFAULT_BASE_URL)
        return cls(token=token, mode=mode, base_url=base_url, webhook_url=webhook_url, secret=secret)

    @property
    def channel_key(self) -> str:
        """The key of this bot's update bookkeeping: the bot's own id, never the secret part."""
        return f"{CHANNEL}:{self.token.split(':', 1)[0]}"
