"""The threads that check passwords.

An Argon2id check takes about 64 MiB and tens of milliseconds of CPU. On the event loop it
would stall every request; on the database threads a burst of sign-ins would hold up plan
links and reports. Two threads of their own bound both the memory and the stall: a third
sign-in waits for a free thread, and nothing else does.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

PASSWORD_THREADS = 2
_Result = TypeVar("_Result")
_executor: Optional[ThreadPoolExecutor] = None
_lock = threading.Lock()


def _password_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=PASSWORD_THREADS, thread_name_prefix="sedia-argon2")
        return _executor


async def on_password_threads(function: Callable[..., _Result], *args: Any) -> _Result:
    """Run a password check or hash on the password threads and wait without blocking."""
    return await asyncio.get_running_loop().run_in_executor(_password_executor(), function, *args)
