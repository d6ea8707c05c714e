"""sha256 of analysed files, computed beside the layer pass instead of inside it.

hashlib releases the GIL on large buffers, and during a layer pass the second core
mostly idles (the tar parse is the bottleneck), so hashing the ~100 MB of ELF files of
a Debian image in a worker thread takes it off the wall-clock time: about 70 ms of
the pass otherwise. Pending work is bounded by bytes so memory stays flat when the
hashing falls behind.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

INLINE_BELOW = 64 * 1024  # small files: hashing costs less than a hand-off
MAX_PENDING = 256 * 1024 * 1024  # bytes queued for hashing before the caller waits

_pool: ThreadPoolExecutor | None = None
_budget = threading.BoundedSemaphore(MAX_PENDING // INLINE_BELOW)


class Digest:
    """A sha256 hex digest that may still be computing; `str()` waits for it."""

    __slots__ = ("_future", "_value")

    def __init__(self, value: str = "", future: Future[str] | None = None) -> None:
        self._value = value
        self._future = future

    def __str__(self) -> str:
        if self._future is not None:
            self._value, self._future = self._future.result(), None
        return self._value

    def __repr__(self) -> str:
        return f"Digest({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def sha256(data: bytes) -> Digest:
    """Start hashing `data`; large buffers go to a worker thread."""
    if len(data) < INLINE_BELOW:
        return Digest(hashlib.sha256(data).hexdigest())
    units = min(len(data) // INLINE_BELOW, MAX_PENDING // INLINE_BELOW)
    for _ in range(units):
        _budget.acquire()
    return Digest(future=_executor().submit(_hash_and_release, data, units))


def _hash_and_release(data: bytes, units: int) -> str:
    try:
        return hashlib.sha256(data).hexdigest()
    finally:
        for _ in range(units):
            _budget.release()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dockwise-sha256")
    return _pool
