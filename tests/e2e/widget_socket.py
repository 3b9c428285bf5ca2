"""A widget's socket as a script: python-socketio's client speaking to the Rasa server
exactly as bot/widget/sedia-widget.js does."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import socketio


class WidgetSocket:
    """One browser tab's socket: connect, ask for a session, send messages, read replies."""

    def __init__(self, rasa_url: str, origin: str) -> None:
        self.rasa_url = rasa_url
        self.origin = origin
        self.client = socketio.AsyncClient(reconnection=False)
        self.replies: List[Dict[str, Any]] = []
        self.session: Optional[str] = None
        self._confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._reply)
        self.client.on("session_confirm", self._confirm)

    async def _reply(self, data: Dict[str, Any]) -> None:
        self.replies.append(data)

    async def _confirm(self, session: str) -> None:
        self.session = session
        self._confirmed.set()

    async def open(self, session: Optional[str] = None) -> str:
        """Connect and ask to continue `session` (or a new one); returns the one confirmed."""
        # Long polling: python-engineio's websocket client needs a newer aiohttp than rasa pins.
        await self.client.connect(self.rasa_url, headers={"Origin": self.origin}, transports=["polling"])
        self._confirmed.clear()
        await self.client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(self._confirmed.wait(), 30)
        return self.session

    async def say(
        self, text: str, session: Optional[str] = None, wait_for: int = 1, message_id: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Send `text` for `session` (default: the confirmed one), with the widget's
        `message_id` if given; wait for `wait_for` replies."""
        before = len(self.replies)
        data = {"message": text, "session_id": session or self.session, "metadata": {"language": "en"}}
        if message_id is not None:
            data["message_id"] = message_id
        await self.client.emit("user_uttered", data)
        for _ in range(600):
            if len(self.replies) - before >= wait_for:
                break
            await asyncio.sleep(0.1)
        return self.replies[before:]

    async def close(self) -> None:
        await self.client.disconnect()
