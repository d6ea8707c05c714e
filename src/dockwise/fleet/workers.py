"""Running the queue: `dockwise worker` on PostgreSQL, and `fleet scan`'s own pool of
child processes on SQLite. Both run the tasks through `runner`, so they do the same.

procrastinate (3.x) leaves two things to its user, done here:
- a worker that loses its database stops (procrastinate#1116): `serve` opens it again,
  with backoff, until the database is back, so a PostgreSQL restart is waited out;
- a job whose worker died (kill -9, a lost machine) stays `doing`: every worker looks
  for jobs of workers whose heartbeat is older than `stalled_after` and puts them back
  in the queue (procrastinate's own `get_stalled_jobs` and `retry_job`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import procrastinate
import psycopg
import psycopg_pool
from procrastinate.exceptions import ConnectorException

from dockwise.fleet import FleetError, queue, runner
from dockwise.fleet.scanning import ScanJob

LOST = (ConnectorException, psycopg.Error, psycopg_pool.PoolTimeout, OSError)
MAX_BACKOFF = 30.0
log = logging.getLogger("dockwise.worker")


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    queues: tuple[str, ...] = ("scan", "rematch")
    concurrency: int = 1
    stalled_after: float = 30.0  # seconds without a heartbeat: the worker is gone


async def serve(app: procrastinate.App, settings: queue.WorkerSettings,
                options: WorkerOptions) -> None:  # fmt: skip
    """Work until SIGTERM/SIGINT (running jobs finish first); reopen a lost database."""
    backoff = 1.0
    while True:
        try:
            async with app.open_async():
                backoff = 1.0
                await _work(app, settings, options)
            return  # a signal stopped the worker: done
        except LOST as exc:
            log.warning("lost the database (%s); again in %g s", _line(exc), backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)


async def _work(app: procrastinate.App, settings: queue.WorkerSettings,
                options: WorkerOptions) -> None:  # fmt: skip
    reaper = asyncio.create_task(_reap(app, options.stalled_after))
    try:
        await app.run_worker_async(
            queues=list(options.queues), concurrency=options.concurrency,
            additional_context={"settings": settings}, name="dockwise",
            update_heartbeat_interval=options.stalled_after / 3,
            stalled_worker_timeout=options.stalled_after, shutdown_graceful_timeout=None,
        )  # fmt: skip
    finally:
        reaper.cancel()


async def _reap(app: procrastinate.App, stalled_after: float) -> None:
    """Put the jobs of dead workers back in the queue, every half `stalled_after`."""
    while True:
        await asyncio.sleep(stalled_after / 2)
        try:
            for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stalled_after
            ):
                await _retry(app, job)
        except LOST as exc:  # the worker itself notices and reconnects
            log.debug("stalled-job check failed: %s", _line(exc))


async def _retry(app: procrastinate.App, job: procrastinate.jobs.Job) -> None:
    """Retry one stalled job; another worker may have been first (then it is no longer
    `doing`), or a newer job holds its queueing lock (then that one does the work)."""
    try:
        await app.job_manager.retry_job(job)
        log.warning("job %s (%s) of a stopped worker: queued again", job.id, job.task_name)
    except ConnectorException as exc:
        log.debug("job %s not retried: %s", job.id, _line(exc))


def _line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


def configure_logging(quiet: bool) -> None:
    """One line per event on stderr; procrastinate's own at WARNING and up."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(name)s: %(message)s")  # fmt: skip
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Outcome:
    job: ScanJob
    answer: dict | None
    error: str = ""


def run_embedded(
    jobs: Sequence[ScanJob], settings: queue.WorkerSettings, workers: int,
    keywords: dict, done: Callable[[Outcome], None],
) -> list[Outcome]:  # fmt: skip
    """The SQLite way: the same scan task, `workers` child processes at a time, highest
    priority first; `done` is called as each finishes (the progress bar)."""

    def one(job: ScanJob) -> Outcome:
        args = {"source": job.source, "digest": job.digest, "force": job.force,
                "keywords": keywords}  # fmt: skip
        request = runner.Request("scan", settings.store, settings.db, args)
        try:
            outcome = Outcome(job, runner.run(request, settings.timeout))
        except FleetError as exc:
            outcome = Outcome(job, None, str(exc))
        done(outcome)
        return outcome

    ordered = sorted(jobs, key=lambda job: -job.priority)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(one, ordered))
