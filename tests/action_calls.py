"""A counting relay between the Rasa server and Sedia's real action server.

The end-to-end stack sends its action calls through this relay (ACTION_ENDPOINT_URL), which
passes every request on unchanged and notes which action was called, for whom, and how
large the request was. Tests count the calls per turn with it: a count, unlike a timing,
is stable on a busy machine.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional


@dataclass(frozen=True)
class ActionCall:
    """One request from the Rasa server to the action server."""

    action: str
    sender: str
    request_bytes: int
    events_sent: int


class ActionCallRelay:
    """Relays Rasa's action calls to `target` (set once the action server's port is known)."""

    def __init__(self) -> None:
        self.target: Optional[str] = None
        self._calls: List[ActionCall] = []
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                relay._note(body)
                request = urllib.request.Request(
                    f"{relay.target}{self.path}",
                    data=body,
                    method="POST",
                    headers={
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() in ("content-type", "content-encoding", "x-sedia-action-secret")
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=120) as response:
                        status, answer = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, answer = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The action endpoint URL to give the Rasa server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def _note(self, body: bytes) -> None:
        try:
            request = json.loads(body.decode("utf-8"))
        except ValueError:
            request = {}
        call = ActionCall(
            str(request.get("next_action")),
            str(request.get("sender_id")),
            len(body),
            len((request.get("tracker") or {}).get("events") or []),
        )
        with self._lock:
            self._calls.append(call)

    def calls(self, sender: Optional[str] = None) -> List[ActionCall]:
        """The calls so far, for one sender or for all."""
        with self._lock:
            return [c for c in self._calls if sender is None or c.sender == sender]

    def start(self) -> "ActionCallRelay":
        """Start relaying in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop relaying."""
        self._server.shutdown()
        self._server.server_close()
