"""Sedia's REST channel: Rasa's `rest` channel, closed with a bearer token, with the
checks every channel makes before the NLU (bot/channels/inbound.py).

Registered in credentials.yml as `bot.channels.rest.TokenRestInput`; it keeps Rasa's
name (`rest`) and path (`/webhooks/rest/webhook`) and body
(`{"sender": ..., "message": ..., "metadata": {...}}`), plus an optional `message_id`.

- **Token.** A portal that relays its users' messages is trusted to name the sender, so
  whoever calls must prove they are that portal: with `SEDIA_REST_TOKEN` set (always in
  production: `make run-prod` and docker-compose set it), every call needs
  `Authorization: Bearer <token>`, or it gets 401 and reaches no conversation. Without
  it (`make run`, bound to 127.0.0.1) the channel is open to this machine.
- **Bad bodies** get 400 with a sentence saying what is wrong, never a 500.
- **Too long**: the reply says so; the message reaches no conversation.
- **Retries.** A call that brings a `message_id` it brought before is not handled again:
  while the first is still being handled the retry waits for it and gets the same
  replies; afterwards it gets the replies if this server still holds them, else none,
  with `X-Sedia-Duplicate: true` either way.
- **Failures.** When the conversation could not be handled (the action server or the
  database away), the call gets 503 with a "try again shortly" reply, and the message id
  is given back so the retry is handled. Rasa's own handler answered 200 with nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.inbound import answer_language, client_message_id, too_long_reply
from bot.config.settings import rest_token
from bot.config.shared_secrets import same_secret
from bot.core.input_checks import is_too_long
from bot.core.messages import message
from bot.service.health import rasa_health, status_code
from bot.service.received_messages import ReceivedMessages
from bot.service.salt_guard import check_before_serving

logger = logging.getLogger(__name__)

# A sender id names a conversation; anything longer is not one.
MAX_SENDER_CHARS = 128
# Replies kept for retries that arrive after the first delivery was answered.
_KEPT_REPLIES = 1000
DUPLICATE_HEADER = "X-Sedia-Duplicate"

Replies = List[Dict[str, Any]]


def bearer_token(authorization: Optional[str]) -> str:
    """The token of an `Authorization: Bearer <token>` header, or ""."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def read_body(body: Any) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """(the call's fields, None), or (None, what is wrong with the body)."""
    if not isinstance(body, dict):
        return None, 'The body must be a JSON object: {"sender": "...", "message": "..."}.'
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.'
    if not isinstance(text, str):
        return None, '"message" must be a string.'
    if "message_id" in body and body["message_id"] is not None and client_message_id(body["message_id"]) is None:
        return None, '"message_id" must be a non-empty string of at most 128 characters.'
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, '"metadata" must be a JSON object.'
    return {
        "sender": sender,
        "message": text,
        "message_id": client_message_id(body.get("message_id")),
        "metadata": metadata,
        "input_channel": body.get("input_channel"),
    }, None


class TokenRestInput(InputChannel):
    """The REST channel; with a token configured, only callers that bring it get in."""

    def __init__(self, token: Optional[str] = None) -> None:
        self.token = token if token is not None else rest_token()
        self.received = ReceivedMessages("rest")
        self._in_flight: Dict[str, "asyncio.Future[Replies]"] = {}
        self._answered: "OrderedDict[str, Replies]" = OrderedDict()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TokenRestInput":
        # Rasa builds its channels once, as the server starts: the moment to refuse to
        # serve with unusable settings or a lost id salt (bot/service/salt_guard.py).
        check_before_serving()
        return cls((credentials or {}).get("token") or None)

    def is_authorised(self, request: Request) -> bool:
        """True when no token is configured or the request brings it."""
        if not self.token:
            return True
        return same_secret(bearer_token(request.headers.get("Authorization")), self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health check (GET, open) and the webhook (POST, behind the token)."""
        blueprint = Blueprint("sedia_rest_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # The launcher's readiness check for a Rasa server: the model is loaded and
            # the tracker store and database answer.
            document = await rasa_health(getattr(request.app.ctx, "agent", None))
            return response.json(document, status=status_code(document))

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.is_authorised(request):
                return response.json(
                    {"error": "A bearer token is required: Authorization: Bearer <SEDIA_REST_TOKEN>."},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="sedia"'},
                )
            try:
                body = request.json
            except Exception:  # Sanic raises on a body that is not JSON
                body = None
            call, problem = read_body(body)
            if call is None:
                return response.json({"error": problem}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            return await self._converse(call, on_new_message, getattr(agent, "tracker_store", None))

        return blueprint

    async def _converse(
        self,
        call: Dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        tracker_store: Any,
    ) -> HTTPResponse:
        sender, text, message_id = call["sender"], call["message"], call["message_id"]

        async def language() -> str:
            # Asked only when the channel itself answers.
            return await answer_language(tracker_store, sender, text, (call["metadata"] or {}).get("language"))

        if is_too_long(text):
            return response.json([{"recipient_id": sender, "text": too_long_reply(text, await language())}])
        # The key the id is claimed under; memory holds no sender id as given either.
        key = ReceivedMessages.key(sender, message_id) if message_id else None
        try:
            first = await self.received.first_delivery(sender, message_id)
        except Exception:
            logger.exception("REST: could not check the message id (the database away?)")
            return self._try_again(sender, await language())
        if not first:
            return await self._duplicate(key)
        pending: Optional["asyncio.Future[Replies]"] = None
        if key is not None:
            pending = self._in_flight[key] = asyncio.get_running_loop().create_future()
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=call["input_channel"] or self.name(),
                    metadata=call["metadata"],
                )
            )
        except Exception:
            logger.exception("REST: a message could not be handled")
            await self.received.give_back(sender, message_id)
            self._in_flight.pop(key, None)
            if pending is not None:
                pending.cancel()
            return self._try_again(sender, await language())
        if key is not None:
            self._remember(key, collector.messages)
            self._in_flight.pop(key, None)
            pending.set_result(collector.messages)
        return response.json(collector.messages)

    @staticmethod
    def _try_again(sender: str, language: str) -> HTTPResponse:
        return response.json(
            [{"recipient_id": sender, "text": message("channel.try_again", language)}],
            status=503,
            headers={"Retry-After": "5"},
        )

    async def _duplicate(self, key: str) -> HTTPResponse:
        pending = self._in_flight.get(key)
        replies: Replies = []
        if pending is not None:
            try:
                replies = await asyncio.shield(pending)
            except asyncio.CancelledError:
                replies = []
        else:
            replies = self._answered.get(key, [])
        return response.json(replies, headers={DUPLICATE_HEADER: "true"})

    def _remember(self, key: str, replies: Replies) -> None:
        self._answered[key] = replies
        while len(self._answered) > _KEPT_REPLIES:
            self._answered.popitem(last=False)
