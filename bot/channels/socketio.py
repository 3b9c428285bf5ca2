"""Rasa's socket.io channel, as the web widget (bot/widget/) needs it.

Registered in credentials.yml as `bot.channels.socketio.WidgetSocketIO`. On top of Rasa's
own channel it:

- accepts connections only from the configured origins (`SEDIA_WIDGET_ORIGINS`);
- sends custom payloads (the summary, document links) as `{"custom": ...}` messages, where
  Rasa 3.6 would pass them to `emit` as keyword arguments and fail;
- tells the widget the conversation language after each turn (`{"sedia_state": ...}`),
  so its own labels follow the conversation;
- records, for a portal whose token names an institution (claim `institution`), that the
  user signed in for it, once they consented: an institution that requires a sign-in
  counts them in its numbers only then (bot/service/sign_ins.py);
- binds each socket to one conversation: a session id the server issued and signed
  (`bot.channels.widget_sessions`), or, with a JWT key (`SEDIA_WIDGET_JWT_KEY`), the
  pseudonym of the token's subject, so a signed-in user has one conversation on every
  device. A message naming any other session is refused: a client cannot write into a
  conversation it did not open;
- takes a message only once: each carries the widget's own `message_id`, which the widget
  sends again until the turn's `sedia_state` confirms it (`received`), and a repeated id
  is dropped (bot/channels/inbound.py);
- answers a message too long to read itself, before any NLU, and a turn that failed
  (the action server or the database away) with "try again shortly", giving the message
  id back so the widget's retry is handled.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.inbound import answer_language, client_message_id, too_long_reply
from bot.channels.widget_sessions import is_issued, issue_session_id, session_key
from bot.config.identity import pseudonymous_sender
from bot.config.settings import widget_jwt_key, widget_origins
from bot.core.input_checks import is_too_long
from bot.core.instrument import LANGUAGES
from bot.core.language import chosen_language
from bot.core.messages import message
from bot.service.rate_limits import address_of, rate_limits
from bot.service.received_messages import ReceivedMessages
from bot.service.sign_ins import record_portal_sign_in_off_loop

logger = logging.getLogger(__name__)


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output, keeping each reply whole (Rasa splits at blank lines, which
    breaks lists apart) and sending custom payloads as one message."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, {"text": text, "quick_replies": replies})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WidgetSocketIO(SocketIOInput):
    """The socket.io channel for Sedia's web widget."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WidgetSocketIO":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            widget_jwt_key() or credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )

    def get_output_channel(self) -> Optional[WidgetOutput]:
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with the origin check and Sedia's message handler."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.cors_allowed_origins = widget_origins()
        agent = {}
        key = session_key()
        # With a JWT key, each socket's signed-in user: a pseudonym of the token's subject.
        portal_users: Dict[str, str] = {}
        # The institution each signed-in socket's token names, until its sign-in is recorded.
        portal_institutions: Dict[str, str] = {}
        # Each socket's conversation, as confirmed by session_request.
        bound: Dict[str, str] = {}

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not rate_limits().allow("widget_connect_address", address_of(environ.get("sanic.request"))):
                return False  # too many sockets from one address; the widget retries later
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = decode_bearer_token(token, self.jwt_key, self.jwt_algorithm) if token else None
            if not payload:
                return False  # refused: a portal that signs users in sends every user a token
            subject = payload.get("sub") or (payload.get("user") or {}).get("username")
            if subject:
                portal_users[sid] = pseudonymous_sender("portal", subject)
                institution = payload.get("institution")
                if isinstance(institution, str) and institution.strip():
                    portal_institutions[sid] = " ".join(institution.split())[:200]
            return True

        async def disconnect(sid: Text) -> None:
            portal_users.pop(sid, None)
            portal_institutions.pop(sid, None)
            bound.pop(sid, None)

        async def session_request(sid: Text, data: Any) -> None:
            # A signed-in user has one conversation on every device: their own. Anyone
            # else continues a session only with an id this server issued.
            asked = data.get("session_id") if isinstance(data, dict) else None
            session = portal_users.get(sid) or (asked if is_issued(asked, key) else issue_session_id(key))
            previous = bound.get(sid)
            if previous and previous != session:
                sio.leave_room(sid, previous)
            bound[sid] = session
            sio.enter_room(sid, session)
            await sio.emit("session_confirm", session, room=sid)

        @blueprint.listener("after_server_start")
        async def keep_agent(app, _loop) -> None:
            agent["tracker_store"] = app.ctx.agent.tracker_store

        received = ReceivedMessages("widget")

        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                return  # not a message the widget sends
            sender = bound.get(sid)
            named = data.get("session_id")
            if sender is None or (named is not None and named != sender):
                logger.warning("Widget: refused a message for a session this socket did not open")
                await sio.emit(self.bot_message_evt, {"text": refusal(data)}, room=sid)
                return
            sender = str(sender)
            metadata = data.get(self.metadata_key)
            metadata = metadata if isinstance(metadata, dict) else None
            message_id = client_message_id(data.get("message_id"))
            output = WidgetOutput(sio, self.bot_message_evt)

            async def language() -> str:
                # Asked only when the channel itself answers, as the REST channel does.
                return await answer_language(
                    agent.get("tracker_store"), sender, data["message"], (metadata or {}).get("language")
                )

            if not rate_limits().allow("widget_message_session", sender):
                # Not taken: the widget shows the reply and the person sends it again.
                await failed(output, sender, message_id, await language(), "channel.slow_down")
                return
            if is_too_long(data["message"]):
                await output.send_text_message(sender, too_long_reply(data["message"], await language()))
                await output._send_message(sender, {"custom": {"sedia_state": await state(sender, message_id)}})
                return
            try:
                first = await received.first_delivery(sender, message_id)
            except Exception:
                logger.exception("Widget: could not check the message id (the database away?)")
                await failed(output, sender, message_id, await language())
                return
            if not first:
                # Handled already (a resend after a reconnect): confirm it again, so the
                # widget stops resending, and say nothing else.
                await output._send_message(sender, {"custom": {"sedia_state": await state(sender, message_id)}})
                return
            try:
                await on_new_message(
                    UserMessage(
                        data["message"],
                        output,
                        sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:
                logger.exception("Widget: a message could not be handled")
                await received.give_back(sender, message_id)
                await failed(output, sender, message_id, await language())
                return
            await output._send_message(sender, {"custom": {"sedia_state": await state(sender, message_id)}})
            await record_sign_in(sid, sender)

        async def record_sign_in(sid: Text, sender: str) -> None:
            # After the turn, which may have been the consent: a sign-in is stored only for
            # someone who consented, and once per socket.
            institution = portal_institutions.get(sid)
            if institution is None or portal_users.get(sid) != sender:
                return
            try:
                if await record_portal_sign_in_off_loop(self.name(), sender, institution):
                    portal_institutions.pop(sid, None)
            except Exception:
                logger.exception("Widget: could not record a portal sign-in; tried again after the next message")

        async def failed(
            output: WidgetOutput, sender: str, message_id: Optional[str], language: str, why: str = "channel.try_again"
        ) -> None:
            await output.send_text_message(sender, message(why, language))
            # The user was asked to try again: the widget must not resend it later, when
            # it might answer another question.
            await output._send_message(sender, {"custom": {"sedia_state": {"language": None, "failed": message_id}}})

        def refusal(data: Dict[str, Any]) -> str:
            metadata = data.get(self.metadata_key)
            language = metadata.get("language") if isinstance(metadata, dict) else None
            return message("widget_session.refused", language if language in LANGUAGES else "en")

        async def state(sender: str, message_id: Optional[str]) -> Dict[str, Any]:
            # `received` tells the widget it may stop resending that message.
            try:
                tracker = await agent["tracker_store"].retrieve(sender) if agent else None
            except Exception:
                logger.exception("Widget: the conversation's language could not be read")
                tracker = None
            return {"language": chosen_language(tracker), "received": message_id}

        # These replace the handlers Rasa registered for the same events.
        sio.on("connect", handler=connect, namespace=self.namespace)
        sio.on("disconnect", handler=disconnect, namespace=self.namespace)
        sio.on("session_request", handler=session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=self.namespace)
        return blueprint
