"""Pseudonymous identities: a keyed hash of channel and sender, never the raw id.

The key (salt) comes from `SEDIA_ID_SALT`, or is generated on first run and kept in
the data folder with owner-only permissions (`bot/config/shared_secrets.py`); it is read once
per process and setting, not on every call. Without the salt an id cannot be traced
back to a Telegram id or a chat session.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Dict, Tuple

from bot.config import settings
from bot.config.shared_secrets import ID_SALT, shared_secret

# (SEDIA_ID_SALT, SEDIA_DATA_DIR) -> salt: a test or a tool may change either in-process.
_salts: Dict[Tuple[str, str], bytes] = {}


def load_salt() -> bytes:
    """The salt: `SEDIA_ID_SALT`, or generated into the data folder on first use."""
    key = (os.environ.get(ID_SALT[0], ""), os.environ.get(settings.DATA_DIR, ""))
    salt = _salts.get(key)
    if salt is None:
        salt = _salts[key] = shared_secret(ID_SALT).encode("utf-8")
    return salt


def respondent_id(channel: str, sender_id: str) -> str:
    """The pseudonymous id for a sender on a channel (32 hex characters)."""
    message = f"{channel or 'unknown'}:{sender_id}".encode("utf-8")
    return hmac.new(load_salt(), message, hashlib.sha256).hexdigest()[:32]


def pseudonymous_sender(channel: str, platform_user_id: object) -> str:
    """The sender id a channel hands to Rasa for a platform's user id (a Telegram user id,
    say): a keyed hash, so neither the conversation logs nor the answers database ever
    hold the raw id."""
    message = f"sender:{channel}:{platform_user_id}".encode("utf-8")
    return f"{channel}-" + hmac.new(load_salt(), message, hashlib.sha256).hexdigest()[:24]


def conversation_pseudonym(sender_id: str) -> str:
    """The name a conversation is shown under in the dashboard: a keyed hash of Rasa's
    sender id, so a reviewer never sees the sender id itself."""
    message = f"conversation:{sender_id}".encode("utf-8")
    return "c-" + hmac.new(load_salt(), message, hashlib.sha256).hexdigest()[:16]
