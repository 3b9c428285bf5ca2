"""Widget session ids that only the server can issue.

A widget conversation is known by its session id, which the browser keeps to continue
the conversation after a reload. If a client could choose that id, it could write into
someone else's conversation. So the server issues each id with a keyed signature
(`SEDIA_WIDGET_SESSION_KEY`, shared by every Rasa server), accepts back only ids it
signed, and binds each socket to the one session it confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Optional

from bot.config.shared_secrets import WIDGET_SESSION_KEY, same_secret, shared_secret

_SEPARATOR = "."


def _signature(key: str, nonce: str) -> str:
    return hmac.new(key.encode("utf-8"), f"widget-session:{nonce}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def session_key() -> str:
    """The key that signs session ids."""
    return shared_secret(WIDGET_SESSION_KEY)


def issue_session_id(key: str) -> str:
    """A new session id: a random nonce and its signature."""
    nonce = uuid.uuid4().hex
    return f"{nonce}{_SEPARATOR}{_signature(key, nonce)}"


def is_issued(session_id: Optional[object], key: str) -> bool:
    """True when `session_id` is one this server (or a replica with the same key) issued."""
    if not isinstance(session_id, str) or session_id.count(_SEPARATOR) != 1:
        return False
    nonce, signature = session_id.split(_SEPARATOR)
    return len(nonce) == 32 and same_secret(signature, _signature(key, nonce))
