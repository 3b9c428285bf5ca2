"""The threads that check passwords.

An Argon2id check takes about 64 MiB and tens of milliseconds of CPU. On the event loop it
would stall every request; on the database threads a burst of sign-ins would hold up plan
links and reports. Two threads of their own bound both the memory and the stall: a third
sign-in waits for a free thread, and nothing else does.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from bot.config.thread_pools import ThreadPool

PASSWORD_THREADS = 2
_Result = TypeVar("_Result")
_password_threads = ThreadPool(PASSWORD_THREADS, "sedia-argon2")


async def on_password_threads(function: Callable[..., _Result], *args: Any) -> _Result:
    """Run a password check or hash on the password threads and wait without blocking."""
    return await _password_threads.run(function, *args)
