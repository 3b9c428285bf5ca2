"""Pseudonymous identities: keyed hashes of channel and sender, never the raw id.

The key comes from `SEDIA_ID_SALT`, or is generated on first run and kept in the data
folder with owner-only permissions (`bot/config/shared_secrets.py`); it is read once per
process and setting, not on every call. Without it an id cannot be traced back to a
Telegram id or a chat session.

After a rotation (`python -m bot salt rotate`, bot/service/salt_rotation.py) the setting
holds a keyring: the salts separated by spaces, oldest first. A channel's sender pseudonym
is then the first salt's hash wrapped once by each later salt, because the raw Telegram
ids it came from are never stored and so cannot be hashed afresh: re-keying can only wrap
what is stored. A leaked old salt alone therefore no longer links anyone. The ids derived
from a sender (respondent ids, conversation pseudonyms) use the newest salt only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Dict, Tuple

from bot.config import settings
from bot.config.shared_secrets import ID_SALT, shared_secret

# The channels whose sender ids are pseudonyms made here (a platform's user id hashed),
# not ids a client generated: a rotation re-keys these senders.
PSEUDONYMOUS_CHANNELS = ("telegram", "portal")
_SENDER_LENGTH = 24
PSEUDONYMOUS_SENDER = re.compile(rf"^({'|'.join(PSEUDONYMOUS_CHANNELS)})-([0-9a-f]{{{_SENDER_LENGTH}}})$")

Keyring = Tuple[bytes, ...]
# (SEDIA_ID_SALT, SEDIA_DATA_DIR) -> keyring: a test or a tool may change either in-process.
_keyrings: Dict[Tuple[str, str], Keyring] = {}


def parse_keyring(value: str) -> Keyring:
    """The salts in a salt setting, oldest first (one salt, or several separated by spaces)."""
    salts = tuple(part.encode("utf-8") for part in value.split())
    if not salts:
        raise ValueError("the id salt is empty")
    return salts


def load_keyring() -> Keyring:
    """The salts: `SEDIA_ID_SALT`, or the data folder's file (generated on first use)."""
    key = (os.environ.get(ID_SALT[0], ""), os.environ.get(settings.DATA_DIR, ""))
    keyring = _keyrings.get(key)
    if keyring is None:
        keyring = _keyrings[key] = parse_keyring(shared_secret(ID_SALT))
    return keyring


def forget_loaded_keyring() -> None:
    """Read the salt setting afresh on next use (after a rotation, or in tests)."""
    _keyrings.clear()


def _hash(salt: bytes, message: str, length: int) -> str:
    return hmac.new(salt, message.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def rewrap_sender_hash(salt: bytes, previous: str) -> str:
    """A sender pseudonym's hash under one more salt: what a rotation applies to each
    stored sender, and what every later salt applies when a sender is derived."""
    return _hash(salt, f"rekey:sender:{previous}", _SENDER_LENGTH)


def sender_for(keyring: Keyring, channel: str, platform_user_id: object) -> str:
    """The sender pseudonym of a platform's user id under `keyring`."""
    digest = _hash(keyring[0], f"sender:{channel}:{platform_user_id}", _SENDER_LENGTH)
    for salt in keyring[1:]:
        digest = rewrap_sender_hash(salt, digest)
    return f"{channel}-{digest}"


def respondent_for(keyring: Keyring, channel: str, sender_id: str) -> str:
    """The respondent id of a sender on a channel under `keyring` (32 hex characters)."""
    return _hash(keyring[-1], f"{channel or 'unknown'}:{sender_id}", 32)


def conversation_for(keyring: Keyring, sender_id: str) -> str:
    """The name a sender's conversation is shown under, under `keyring`."""
    return "c-" + _hash(keyring[-1], f"conversation:{sender_id}", 16)


def respondent_id(channel: str, sender_id: str) -> str:
    """The pseudonymous id for a sender on a channel (32 hex characters)."""
    return respondent_for(load_keyring(), channel, sender_id)


def pseudonymous_sender(channel: str, platform_user_id: object) -> str:
    """The sender id a channel hands to Rasa for a platform's user id (a Telegram user id,
    say): a keyed hash, so neither the conversation logs nor the answers database ever
    hold the raw id."""
    return sender_for(load_keyring(), channel, platform_user_id)


def conversation_pseudonym(sender_id: str) -> str:
    """The name a conversation is shown under in the dashboard: a keyed hash of Rasa's
    sender id, so a reviewer never sees the sender id itself."""
    return conversation_for(load_keyring(), sender_id)
