"""Running the queue: `dockwise worker` on PostgreSQL, and `fleet scan`'s own pool of
child processes on SQLite. Both run the tasks through `runner`, so they do the same.

procrastinate (3.x) leaves two things to its user, done here:
- a worker that loses its database stops, or carries on in a state it does not recover
  from (procrastinate#1116): `serve` ends that session and opens a new one, with
  backoff, once the database is back, so a PostgreSQL restart is waited out;
- a job whose worker died (kill -9, a lost machine) stays `doing`: every worker looks
  for jobs of workers whose heartbeat is older than `stalled_after` and puts them back
  in the queue (procrastinate's own `get_stalled_jobs` and `retry_job`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import procrastinate
import procrastinate.jobs
import procrastinate.worker
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
    worker = procrastinate.worker.Worker(
        app=app, queues=list(options.queues), concurrency=options.concurrency,
        additional_context={"settings": settings}, name="dockwise",
        update_heartbeat_interval=options.stalled_after / 3,
        stalled_worker_timeout=options.stalled_after, shutdown_graceful_timeout=None,
    )  # fmt: skip
    run = asyncio.create_task(worker.run())
    helpers = [asyncio.create_task(_reap(app, worker, options.stalled_after)),
               asyncio.create_task(_watch(app, options.stalled_after / 3))]  # fmt: skip
    try:
        done, _ = await asyncio.wait([run, helpers[1]], return_when=asyncio.FIRST_COMPLETED)
        if run not in done:  # the database went away: this session ends, serve() starts anew
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError, *LOST):
                await run
        for task in done:
            task.result()
    finally:
        for task in helpers:
            task.cancel()


async def _watch(app: procrastinate.App, every: float) -> None:
    """Raise when the database stops answering: procrastinate's worker does not recover
    its own state after losing it mid-job (procrastinate#1116), so the session is ended
    and a new one registered; the jobs of the old one are reaped as a dead worker's."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.wait_for(app.job_manager.check_connection_async(), every * 3)
        except (*LOST, TimeoutError) as exc:
            raise ConnectionError(_line(exc)) from exc


async def _reap(app: procrastinate.App, worker: procrastinate.worker.Worker,
                stalled_after: float) -> None:  # fmt: skip
    """Put the jobs of dead workers back in the queue, every half `stalled_after`; never
    this worker's own (its heartbeat lags while the database is away, it is not dead)."""
    while True:
        await asyncio.sleep(stalled_after / 2)
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
            for job in stalled:
                if worker.worker_id is not None and job.worker_id != worker.worker_id:
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


class _OneLine(logging.Formatter):
    """A worker's log says what happened in one line; tracebacks are for debugging."""

    def formatException(self, ei) -> str:  # noqa: ANN001, N802 - logging's signature
        return ""


def configure_logging(quiet: bool) -> None:
    """One line per event on stderr; procrastinate's own at WARNING and up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("%(asctime)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, handlers=[handler])
    logging.getLogger("procrastinate").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Outcome:
    job: ScanJob
    answer: dict | None
    error: str = ""
    attempts: int = 1


Retrying = Callable[[ScanJob, str, float], None]  # (job, why it failed, seconds to wait)


def run_embedded(
    jobs: Sequence[ScanJob], settings: queue.WorkerSettings, workers: int,
    keywords: dict, done: Callable[[Outcome], None], retrying: Retrying | None = None,
) -> list[Outcome]:  # fmt: skip
    """The SQLite way: the same scan task, `workers` child processes at a time, highest
    priority first, a failed one tried again as the queue would (`settings.retries`);
    `done` is called as each finishes (the progress bar), `retrying` before a wait."""

    def one(job: ScanJob) -> Outcome:
        args = {"source": job.source, "digest": job.digest, "force": job.force,
                "keywords": keywords}  # fmt: skip
        request = runner.Request("scan", settings.store, settings.db, args)
        outcome = _with_retries(job, lambda: runner.run(request, settings.timeout),
                                settings.retries, retrying)  # fmt: skip
        done(outcome)
        return outcome

    ordered = sorted(jobs, key=lambda job: -job.priority)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(one, ordered))


def _with_retries(job: ScanJob, run: Callable[[], dict], retries: int,
                  retrying: Retrying | None) -> Outcome:  # fmt: skip
    """The queue's retry policy, so a scan over SQLite backs off as a worker's job does."""
    earlier = 0  # runs before this one
    while True:
        try:
            return Outcome(job, run(), attempts=earlier + 1)
        except FleetError as exc:
            wait = _retry_in(retries, exc, earlier)
            if wait is None:
                return Outcome(job, None, str(exc), earlier + 1)
            if retrying:
                retrying(job, str(exc), wait)
            time.sleep(wait)
            earlier += 1


def _retry_in(retries: int, exc: Exception, earlier: int) -> float | None:
    """Seconds until the next run, or None: procrastinate's own RetryStrategy decides, for
    a job with `earlier` runs (0 retries: none; procrastinate reads 0 as "no limit")."""
    if retries <= 0:
        return None
    as_job = procrastinate.jobs.Job(queue="scan", lock=None, queueing_lock=None,
                                    task_name=queue.SCAN_TASK, attempts=earlier)  # fmt: skip
    decision = queue.retry_policy(retries).get_retry_decision(exception=exc, job=as_job)
    if decision is None or decision.retry_at is None:
        return None
    return max(0.0, (decision.retry_at - datetime.now(UTC)).total_seconds())
