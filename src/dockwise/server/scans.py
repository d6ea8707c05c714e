"""Scans the server was asked for: run in a bounded thread pool, at most one per manifest
digest at a time, and never again for a digest the fleet store holds from this dockwise
version. The results live in the store, so a report outlives a restart; what is in
flight or failed lives here only (a restart forgets it, and Harbor asks again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from dockwise import __version__
from dockwise.errors import DockwiseError
from dockwise.fleet import api as fleet_api
from dockwise.fleet.add import add_result, match_added
from dockwise.fleet.ingest import stored
from dockwise.fleet.store import Fleet

log = logging.getLogger("dockwise.server")


@dataclass(frozen=True, slots=True)
class ScanJob:
    """One image to pull: the credentials are kept only until the pull ends, and out
    of every repr (a log line or traceback never shows them)."""

    source: str  # registry:HOST/REPOSITORY@DIGEST
    digest: str
    insecure: tuple[str, ...] = ()  # the host, when the registry is plain HTTP
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class State:
    """Where a digest's scan is: "running", "failed" (with why), or "idle"."""

    name: str
    message: str = ""


def dispatch(pool: ThreadPoolExecutor, work: Callable[[], None]) -> Future:
    """Where a scan runs: this process's pool (with a PostgreSQL store the queue
    takes over instead: server/queued.py)."""
    return pool.submit(work)


class Scans:
    """The scans of one server process."""

    def __init__(self, fleet: Fleet, db: Path, workers: int, ca_cert: str | None = None):
        self.fleet, self.db, self.ca_cert = fleet, db, ca_cert
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="dockwise-scan")
        self._lock = threading.Lock()  # guards _running and _failed
        self._write = threading.Lock()  # one writer: ingest and match, after the pull
        self._running: dict[str, Future] = {}
        self._failed: dict[str, str] = {}

    def submit(self, job: ScanJob) -> None:
        """Start the scan unless it is running or its result is stored already."""
        if self._stored(job.digest):
            return
        with self._lock:
            if job.digest in self._running:
                return
            self._failed.pop(job.digest, None)
            future = dispatch(self._pool, lambda: self._scan(job))
            self._running[job.digest] = future
        future.add_done_callback(lambda done: self._finished(job.digest, done))

    def state(self, digest: str) -> State:
        """In memory only: whether the store holds a result is the store's to say."""
        with self._lock:
            if digest in self._running:
                return State("running")
            if digest in self._failed:
                return State("failed", self._failed[digest])
        return State("idle")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _stored(self, digest: str) -> bool:
        return stored(self.fleet, digest, __version__) is not None

    def _scan(self, job: ScanJob) -> None:
        # max_db_age: a scan never refreshes the database itself (several threads would
        # each download it); `dockwise db update` on a schedule does (docs/server.md)
        keywords = {"username": job.username, "password": job.password,
                    "insecure_registry": job.insecure, "ca_cert": self.ca_cert,
                    "max_db_age": float("inf")}  # fmt: skip
        result = fleet_api.scan(job.source, self.db, keywords)
        with self._write:
            item = add_result(self.fleet, result, job.source, kind="scan")
            match_added(self.fleet, self.db, [item])

    def _finished(self, digest: str, future: Future) -> None:
        error = None if future.cancelled() else future.exception()
        with self._lock:
            self._running.pop(digest, None)
            if error is not None:
                self._failed[digest] = _one_line(error)
        if error is not None:
            log.warning("scan of %s failed: %s", digest, _one_line(error))


def _one_line(error: BaseException) -> str:
    """A failure as one line: dockwise's own errors say what they mean; anything else
    (a database error) is named by its type and first line."""
    if isinstance(error, DockwiseError):
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, sa.exc.SQLAlchemyError):
        error = getattr(error, "orig", None) or error
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
