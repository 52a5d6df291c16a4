"""Giving memory back after many sockets leave.

CPython's allocator keeps freed memory for reuse, and glibc keeps most of what
it got from the kernel, so a process that once held thousands of sockets
stays that large after they are gone. After a wave of disconnections
(``every`` of them since the last time), once things are calm for ``delay``
seconds, a full collection runs and glibc's ``malloc_trim`` returns free pages
to the system. Elsewhere than glibc only the collection runs.

The delay must outlast Engine.IO's ping interval: a closed Engine.IO socket
is only dropped when its ping task next wakes up, so memory freed earlier
would not include the sockets themselves (measured: 1,000 closed sockets
were all still alive 10 s later, and gone by 35 s).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
from typing import Any

log = logging.getLogger("cms.realtime")


def _libc_trim() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


class MemoryReturn:
    def __init__(self, delay: float, every: int = 500) -> None:
        self.every = every
        self.delay = delay
        self._left = 0
        self._timer: asyncio.TimerHandle | None = None
        self._trim = _libc_trim()

    def socket_closed(self) -> None:
        """Count a disconnection; after ``every`` of them, trim once it is calm."""
        self._left += 1
        if self._left < self.every:
            return
        if self._timer is not None:
            self._timer.cancel()  # still leaving: wait for calm
        self._timer = asyncio.get_running_loop().call_later(self.delay, self.release)

    def release(self) -> None:
        self._left, self._timer = 0, None
        gc.collect()
        if self._trim is not None:
            self._trim(0)
        log.debug("memory released after a wave of disconnections")
