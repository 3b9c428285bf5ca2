"""The shared secret between the Rasa server and the action server.

Anyone who could post to the action server could run any action for any sender id:
erase another person's data, read their plan, write answers or consent. So every call
carries `X-Sedia-Action-Secret`, and the action server runs nothing without it.

- The Rasa server adds the header to its action endpoint (`sign_action_endpoint`,
  called by Sedia's action-call format in `bot.rasa_glue.action_call`).
- The action server checks it in a request middleware (`require_action_secret`), which
  rasa_sdk's plugin hook attaches (`rasa_sdk_plugins/`), so plain `rasa run actions` is
  guarded too. Its health check stays open for supervisors and load balancers.

The secret is `SEDIA_ACTION_SECRET`, or one generated into the data folder that both
servers of one machine read (`bot.config.shared_secrets`).
"""

from __future__ import annotations

import logging
import os
from typing import Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.config.shared_secrets import ACTION_SECRET, same_secret, shared_secret

logger = logging.getLogger(__name__)

ACTION_SECRET_HEADER = "X-Sedia-Action-Secret"
# Paths anyone may reach: what a supervisor asks to know the server is up.
OPEN_PATHS = ("/health",)
# rasa_sdk binds SANIC_HOST, by default every interface; Sedia's default is loopback.
HOST_VARIABLE = "SANIC_HOST"
DEFAULT_HOST = "127.0.0.1"


def action_secret() -> str:
    """The secret both servers share."""
    return shared_secret(ACTION_SECRET)


def sign_action_endpoint(endpoint: object) -> None:
    """Make Rasa's action endpoint (an EndpointConfig) send the secret with every call."""
    headers = getattr(endpoint, "headers", None)
    if isinstance(headers, dict) and ACTION_SECRET_HEADER not in headers:
        headers[ACTION_SECRET_HEADER] = action_secret()


def require_action_secret(app: Sanic) -> None:
    """Refuse, with 401 and before any action runs, every call without the secret; and
    bind loopback unless SANIC_HOST says otherwise."""
    os.environ.setdefault(HOST_VARIABLE, DEFAULT_HOST)
    expected = action_secret()

    @app.middleware("request")
    async def check_secret(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if same_secret(request.headers.get(ACTION_SECRET_HEADER), expected):
            return None
        logger.warning("Refused a call to %s without the action server's secret", request.path)
        return json({"error": "This server answers only Sedia's Rasa servers."}, status=401)
