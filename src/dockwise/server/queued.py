"""The server's scans on a PostgreSQL store: jobs on the fleet's `scan` queue, done by
`dockwise worker` processes on any machine, so a scan outlives the server process and
two servers share one queue. The same interface as `Scans` (submit, state, close).

Harbor's registry credentials never go into a job: a job row is readable by everyone
with access to the database. Workers pull with their own credentials
($DOCKWISE_REGISTRY_USERNAME/PASSWORD, e.g. a Harbor robot account: docs/server.md).
"""

from __future__ import annotations

import sqlalchemy as sa

from dockwise import __version__
from dockwise.fleet import queue
from dockwise.fleet.ingest import stored, stored_in
from dockwise.fleet.scanning import NEW
from dockwise.fleet.scanning import ScanJob as QueueJob
from dockwise.fleet.store import Fleet
from dockwise.server.scans import ScanJob, State

RUNNING = ("todo", "doing")  # todo: waiting, or waiting to be retried after a failure
LATEST = sa.text("SELECT id, status::text, attempts FROM procrastinate_jobs "
                 "WHERE queueing_lock = :lock ORDER BY id DESC LIMIT 1")  # fmt: skip
# Submitters of one digest take turns, across server processes: the check and the
# enqueue are one step (procrastinate's queueing lock covers waiting jobs, not running)
TURN = sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0))")


class QueuedScans:
    """The scans of a server whose store is PostgreSQL."""

    def __init__(self, fleet: Fleet, ca_cert: str | None = None):
        self.fleet, self.ca_cert = fleet, ca_cert
        self._app = queue.make_app(fleet).open()

    def submit(self, job: ScanJob) -> None:
        """Queue the scan unless its result is stored or a job for its digest waits or
        runs, so 200 requests for one image are one job. The job's state is read before
        the store: a job succeeds only after its result is stored."""
        if self._stored(job.digest):
            return
        lock = _lock(job.digest)
        with self.fleet.engine.begin() as connection:
            connection.execute(TURN, {"lock": lock})
            latest = connection.execute(LATEST, {"lock": lock}).first()
            if latest is not None and latest.status in RUNNING:
                return
            if stored_in(connection, job.digest, __version__) is not None:
                return
            keywords = {"insecure_registry": list(job.insecure), "ca_cert": self.ca_cert}
            queue.enqueue_scans(self._app, [QueueJob(job.source, job.digest, NEW)], keywords)

    def state(self, digest: str) -> State:
        """The latest job for the digest: waiting or running is "running"; a failed one
        (after its retries) is "failed". The store says whether a result is there."""
        if self._stored(digest):
            return State("done")
        with self.fleet.engine.connect() as connection:
            row = connection.execute(LATEST, {"lock": _lock(digest)}).first()
        if row is None:
            return State("idle")
        if row.status in RUNNING:
            return State("running")
        if row.status == "succeeded":  # stored by another dockwise version: scan again
            return State("idle")
        return State("failed", f"scan job {row.id} {row.status} after {row.attempts} "
                               "attempts (the worker's log says why)")  # fmt: skip

    def close(self) -> None:
        self._app.close()

    def _stored(self, digest: str) -> bool:
        return stored(self.fleet, digest, __version__) is not None


def _lock(digest: str) -> str:
    return QueueJob("", digest, NEW).lock
