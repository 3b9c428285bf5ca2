"""A local stand-in for Telegram's Bot API, for tests: the only fake in Sedia's tests.

It speaks the Bot API's HTTP protocol (`/bot<token>/<method>`, form-encoded or
multipart requests, `{"ok": ..., "result": ...}` answers) for the methods Sedia uses:
getMe, getUpdates (long polling, with offset confirmation), sendMessage,
sendChatAction, answerCallbackQuery, editMessageReplyMarkup, sendDocument, setWebhook,
deleteWebhook and setMyCommands. Tests play the users: they add updates and read what
the bot sent. Any method can be made to fail next with 429 (with `retry_after`), a 5xx
status or a dropped connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Union

from aiohttp import web

# Parameters Telegram takes as plain strings; every other value arrives JSON-encoded.
PLAIN_PARAMETERS = {
    "text",
    "caption",
    "secret_token",
    "url",
    "callback_query_id",
    "parse_mode",
    "action",
    "language_code",
}
HOLD_LIMIT = 25.0
Failure = Union[int, str]  # an HTTP status, or "drop" to close the connection unanswered


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Call:
    """One request the bot made, and how the stand-in answered it."""

    method: str
    params: Dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)
    file: Optional[Dict[str, Any]] = None
    result: Any = None


class BotApiStandIn:
    """The Bot API on 127.0.0.1, in a thread of its own."""

    def __init__(self, token: str = "123456789:TEST-token", username: str = "sedia_test_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.port = _free_port()
        self.calls: List[Call] = []
        self.messages: Dict[int, Dict[str, Any]] = {}  # message_id -> the message as sent
        self.updates: List[Dict[str, Any]] = []
        self.confirmed_below = 0
        self.webhook: Dict[str, Any] = {}
        self.commands: Dict[Optional[str], List[Dict[str, str]]] = {}
        self.chat_types: Dict[int, str] = {}
        # Long polls open now, and the most ever open at once: Telegram allows one.
        self.polling_now = 0
        self.most_pollers = 0
        self._failures: Dict[str, Deque[tuple]] = defaultdict(deque)
        self._holds: Dict[tuple, threading.Event] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._new_update: Optional[asyncio.Event] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def base_url(self) -> str:
        """What the bot is given as TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ----- running ---------------------------------------------------------------

    def start(self) -> "BotApiStandIn":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._new_update = asyncio.Event()
            app = web.Application()
            app.router.add_post("/bot{token}/{method}", self._handle)
            app.router.add_get("/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="bot-api-standin", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "BotApiStandIn":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ----- what tests do ---------------------------------------------------------

    def fail_next(self, method: str, *failures: Failure, retry_after: int = 1, chat_id: Optional[int] = None) -> None:
        """Make the next calls of `method` (to `chat_id`, if given) fail, in order."""
        with self._lock:
            for failure in failures:
                self._failures[method].append((failure, retry_after, chat_id))

    def hold(self, method: str, chat_id: int) -> threading.Event:
        """Keep calls of `method` to `chat_id` waiting until the returned event is set
        (at most HOLD_LIMIT seconds, well inside the bot's read timeout)."""
        release = threading.Event()
        with self._lock:
            self._holds[(method, chat_id)] = release
        return release

    async def _wait_while_held(self, method: str, params: Dict[str, Any]) -> None:
        with self._lock:
            release = self._holds.get((method, params.get("chat_id")))
        deadline = time.monotonic() + HOLD_LIMIT
        while release is not None and not release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def add_update(self, body: Dict[str, Any]) -> int:
        """Queue an update (without its id); returns the update id given to it."""
        with self._lock:
            update_id = next(self._ids)
            self.updates.append({"update_id": update_id, **body})
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update_id

    def redeliver_everything(self) -> None:
        """Forget every offset confirmation, as if the bot's confirmations had been lost:
        the next getUpdates returns every update again."""
        with self._lock:
            self.confirmed_below = 0
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    def pending_updates(self) -> List[int]:
        """Ids of the updates the bot has not confirmed yet."""
        with self._lock:
            return [u["update_id"] for u in self.updates if u["update_id"] >= self.confirmed_below]

    def sent(self, chat_id: Optional[int] = None, method: str = "sendMessage") -> List[Call]:
        """Successful calls of `method`, optionally to one chat, in order."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and c.status == 200 and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def calls_of(self, method: str) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def message(self, message_id: int) -> Dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self.messages[message_id]))

    # ----- the protocol ----------------------------------------------------------

    def _bot_user(self) -> Dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Sedia",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _params(self, request: web.Request) -> tuple:
        params: Dict[str, Any] = {}
        upload = None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    upload = {"field": key, "filename": value.filename, "content": value.file.read()}
                    continue
                params[key] = value
        elif request.can_read_body:
            params = dict(await request.json())
        for key, value in list(params.items()):
            if key not in PLAIN_PARAMETERS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params, upload

    def _take_failure(self, method: str, params: Dict[str, Any]) -> Optional[tuple]:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            for index, (failure, retry_after, chat_id) in enumerate(queue):
                if chat_id is None or params.get("chat_id") == chat_id:
                    del queue[index]
                    return failure, retry_after
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params, upload = await self._params(request)
        if request.match_info["token"] != self.token:
            return self._error(method, params, 401, "Unauthorized")
        await self._wait_while_held(method, params)
        failure = self._take_failure(method, params)
        if failure is not None:
            status, retry_after = failure
            if status == "drop":
                with self._lock:
                    self.calls.append(Call(method, params, 0))
                request.transport.close()
                return web.Response(status=500)
            if status == 429:
                return self._error(
                    method, params, 429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )
            return self._error(method, params, int(status), "Internal Server Error")
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_do_{method}", None)
        if handler is None:
            return self._error(method, params, 404, "Not Found: method not found")
        result = handler(params, upload)
        if isinstance(result, tuple):  # (status, description)
            return self._error(method, params, result[0], result[1])
        with self._lock:
            self.calls.append(Call(method, params, 200, file=upload, result=result))
        return web.json_response({"ok": True, "result": result})

    def _error(
        self,
        method: str,
        params: Dict[str, Any],
        status: int,
        description: str,
        parameters: Optional[Dict[str, Any]] = None,
    ) -> web.Response:
        with self._lock:
            self.calls.append(Call(method, params, status))
        body: Dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _get_updates(self, params: Dict[str, Any]) -> web.Response:
        if self.webhook.get("url"):
            return self._error(
                "getUpdates", params, 409, "Conflict: can't use getUpdates method while webhook is active"
            )
        with self._lock:
            self.most_pollers = max(self.most_pollers, self.polling_now + 1)
            if self.polling_now:
                return self._error(
                    "getUpdates",
                    params,
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
            self.polling_now += 1
        try:
            return await self._long_poll(params)
        finally:
            with self._lock:
                self.polling_now -= 1

    async def _long_poll(self, params: Dict[str, Any]) -> web.Response:
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                if offset is not None:
                    self.confirmed_below = max(self.confirmed_below, int(offset))
                pending = [u for u in self.updates if u["update_id"] >= self.confirmed_below][:limit]
                self.calls.append(Call("getUpdates", params, 200))
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return web.json_response({"ok": True, "result": pending})
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def _do_getMe(self, params, upload):
        return self._bot_user()

    def _stored_message(self, params: Dict[str, Any], **content: Any) -> Dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return (400, "Bad Request: chat_id is empty")
        with self._lock:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "from": self._bot_user(),
                "chat": {"id": chat_id, "type": self.chat_types.get(chat_id, "private")},
                **content,
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self.messages[message["message_id"]] = message
        return message

    def _do_sendMessage(self, params, upload):
        text = params.get("text") or ""
        if not text.strip():
            return (400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return (400, "Bad Request: message is too long")
        if params.get("parse_mode") == "HTML" and not _balanced_html(text):
            return (400, "Bad Request: can't parse entities")
        return self._stored_message(params, text=text)

    def _do_sendDocument(self, params, upload):
        if upload is None:
            return (400, "Bad Request: there is no document in the request")
        return self._stored_message(
            params,
            document={
                "file_id": f"doc-{len(self.messages)}",
                "file_unique_id": f"u{len(self.messages)}",
                "file_name": upload["filename"],
            },
            caption=params.get("caption"),
        )

    def _do_sendChatAction(self, params, upload):
        return True

    def _do_answerCallbackQuery(self, params, upload):
        return True

    def _do_editMessageReplyMarkup(self, params, upload):
        with self._lock:
            message = self.messages.get(params.get("message_id"))
            if message is None:
                return (400, "Bad Request: message to edit not found")
            if "reply_markup" not in message and not params.get("reply_markup"):
                return (400, "Bad Request: message is not modified")
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return json.loads(json.dumps(message))

    def _do_setWebhook(self, params, upload):
        with self._lock:
            self.webhook = {
                "url": params.get("url"),
                "secret_token": params.get("secret_token"),
                "allowed_updates": params.get("allowed_updates"),
            }
        return True

    def _do_deleteWebhook(self, params, upload):
        with self._lock:
            self.webhook = {}
        return True

    def _do_setMyCommands(self, params, upload):
        with self._lock:
            self.commands[params.get("language_code")] = params.get("commands")
        return True


def _balanced_html(text: str) -> bool:
    """Telegram's HTML check, in short: only its tags, each closed, and `<` never bare."""
    import re

    stack: List[str] = []
    for match in re.finditer(r"<(/?)([a-zA-Z]*)[^>]*>|<", text):
        if match.group(0) == "<":
            return False
        closing, tag = match.group(1), match.group(2).lower()
        if tag not in {"b", "i", "u", "s", "a", "code", "pre", "strong", "em", "blockquote", "tg-spoiler", "span"}:
            return False
        if closing:
            if not stack or stack.pop() != tag:
                return False
        else:
            stack.append(tag)
    return not stack


class TelegramUser:
    """A person using Sedia on Telegram through the stand-in, in a private chat or a group."""

    def __init__(
        self,
        api: BotApiStandIn,
        user_id: int,
        first_name: str = "Aminah",
        language_code: str = "en",
        chat_id: Optional[int] = None,
        chat_type: str = "private",
    ) -> None:
        self.api = api
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat_type = chat_type
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": f"user{user_id}",
            "language_code": language_code,
        }
        api.chat_types[self.chat_id] = chat_type
        self._message_ids = itertools.count(1)

    def _chat(self) -> Dict[str, Any]:
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": self.user["first_name"]}
        return {"id": self.chat_id, "type": self.chat_type, "title": "Faculty of Education staff"}

    def message_body(self, **content: Any) -> Dict[str, Any]:
        """A message from this user, with `content` (text, photo, sticker, ...)."""
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(),
            "from": self.user,
            **content,
        }

    def send(self, text: str, **extra: Any) -> int:
        """Send a text message; returns its update id."""
        content: Dict[str, Any] = {"text": text, **extra}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.api.add_update({"message": self.message_body(**content)})

    def send_other(self, **content: Any) -> int:
        """Send a message without text (photo, sticker, voice, location...)."""
        return self.api.add_update({"message": self.message_body(**content)})

    def edit(self, text: str) -> int:
        body = self.message_body(text=text, edit_date=int(time.time()))
        return self.api.add_update({"edited_message": body})

    def press(self, title: str, message: Optional[Dict[str, Any]] = None) -> int:
        """Press the button called `title` on the latest message that has it."""
        message = message or self.message_with_button(title)
        data = next(
            b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == title
        )
        query = {
            "id": f"cq-{self.user_id}-{next(self._message_ids)}",
            "from": self.user,
            "chat_instance": f"ci-{self.chat_id}",
            "data": data,
            "message": message,
        }
        return self.api.add_update({"callback_query": query})

    def message_with_button(self, title: str) -> Dict[str, Any]:
        """The latest message in this chat that still shows a button called `title`."""
        with self.api._lock:
            for message_id in sorted(self.api.messages, reverse=True):
                message = self.api.messages[message_id]
                if message["chat"]["id"] != self.chat_id:
                    continue
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                if any(button.get("text") == title for row in rows for button in row):
                    return json.loads(json.dumps(message))
        raise AssertionError(f"no button {title!r} showing in chat {self.chat_id}")


def wait_until(condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `condition` until it is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
