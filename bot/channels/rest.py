"""Rasa's REST channel, closed with a bearer token when one is configured.

Registered in credentials.yml as `bot.channels.rest.TokenRestInput`; it keeps Rasa's
name (`rest`) and path (`/webhooks/rest/webhook`). A portal that relays its users'
messages is trusted to name the sender, so whoever calls must prove they are that
portal: with `SEDIA_REST_TOKEN` set (always in production: `make run-prod` and
docker-compose set it), every call needs `Authorization: Bearer <token>`, or it gets
401 and reaches no conversation. Without it (`make run`, bound to 127.0.0.1) the channel
is open to this machine, for `make shell` and the tests.
"""
from __future__ import annotations

import hmac
import os
from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import Unauthorized
from sanic.request import Request

TOKEN_VARIABLE = "SEDIA_REST_TOKEN"


def bearer_token(authorization: Optional[str]) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class TokenRestInput(RestInput):
    """The REST channel; with a token configured, only callers that bring it get in."""

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token if token is not None else os.environ.get(TOKEN_VARIABLE, "").strip()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "TokenRestInput":
        return cls((credentials or {}).get("token") or None)

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        # The first thing Rasa's handler asks of a request, before any conversation is
        # touched: the one hook that needs overriding.
        if self.token:
            given = bearer_token(req.headers.get("Authorization"))
            if not hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                raise Unauthorized("A bearer token is required.", scheme="Bearer", realm="sedia")
        body = req.json if isinstance(req.json, dict) else {}
        return body.get("sender")
