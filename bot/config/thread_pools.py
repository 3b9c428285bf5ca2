"""Named thread pools, created on first use, for blocking work that must stay off the
event loop (database calls, password checks)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

_Result = TypeVar("_Result")


class ThreadPool:
    """A pool of `workers` threads named `<prefix>-N`, made when first used."""

    def __init__(self, workers: int, prefix: str) -> None:
        self.workers = workers
        self.prefix = prefix
        self._executor: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        """The pool's executor (created on the first call)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=self.prefix)
            return self._executor

    async def run(self, function: Callable[..., _Result], *args: Any) -> _Result:
        """Run `function(*args)` on the pool and wait for it without blocking the loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor(), function, *args)
