"""Run jobs concurrently across keys and strictly in order within a key.

Each chat is a key: one slow conversation never holds up another, and a chat's own
messages are handled (and answered) in the order they arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Awaitable, Callable, Deque, Dict, Optional

logger = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class OrderedWorkers:
    """One queue and one task per busy key; a key's task ends when its queue is empty."""

    def __init__(self) -> None:
        self._queues: Dict[str, Deque[Job]] = {}
        self._tasks: Dict[str, asyncio.Task] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, key: str, job: Job) -> None:
        """Queue `job` behind the key's earlier jobs."""
        queue = self._queues.setdefault(key, deque())
        queue.append(job)
        if key not in self._tasks:
            self._idle.clear()
            self._tasks[key] = asyncio.get_running_loop().create_task(self._drain(key))

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception:  # a job reports its own errors; the next job still runs
                    logger.exception("A queued job failed")
        finally:
            # No await between the emptiness check and the removal: a job submitted after
            # this point starts a new task.
            self._queues.pop(key, None)
            self._tasks.pop(key, None)
            if not self._tasks:
                self._idle.set()

    @property
    def busy_keys(self) -> int:
        """How many keys have work queued or running."""
        return len(self._tasks)

    async def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Wait until every queue is empty; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def cancel(self) -> None:
        """Stop every running job (at shutdown, after waiting for them)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
