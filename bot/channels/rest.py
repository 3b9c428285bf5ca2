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

import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.shared_secrets import same_secret

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
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TokenRestInput":
        return cls((credentials or {}).get("token") or None)

    def is_authorised(self, request: Request) -> bool:
        """True when no token is configured or the request brings it."""
        if not self.token:
            return True
        return same_secret(bearer_token(request.headers.get("Authorization")), self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint, behind the token check.

        The check runs as the blueprint's request middleware, before Rasa's handler reads
        the body or touches a conversation; the health check (GET) stays open.
        """
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if request.method == "GET" or self.is_authorised(request):
                return None
            return response.json(
                {"error": "A bearer token is required: Authorization: Bearer <SEDIA_REST_TOKEN>."},
                status=401, headers={"WWW-Authenticate": 'Bearer realm="sedia"'},
            )

        return blueprint
