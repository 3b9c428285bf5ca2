"""The action server runs each action on a thread of its own, not on its event loop.

Sedia's actions are synchronous: they read and write the database with SQLAlchemy. The
rasa_sdk server calls them on its one event loop, so a slow query in one action held
up every other action call and the health check. Each call now runs on a worker
thread, in an event loop of its own (an action may still be a coroutine), and the
server's loop only waits for it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from rasa_sdk.executor import ActionExecutor

# As many actions at once as Rasa servers usually send; more wait their turn.
ACTION_THREADS = 8
_pool = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="sedia-action")
_run_on_loop = ActionExecutor.run


def _run_in_own_loop(executor: ActionExecutor, action_call: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    return asyncio.run(_run_on_loop(executor, action_call))


async def _run_off_loop(self: ActionExecutor, action_call: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    return await asyncio.get_running_loop().run_in_executor(_pool, _run_in_own_loop, self, action_call)


def run_actions_off_loop() -> None:
    """Make every ActionExecutor run its actions on the worker threads (idempotent)."""
    ActionExecutor.run = _run_off_loop  # type: ignore[assignment]
