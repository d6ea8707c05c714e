"""The fleet's job queue on PostgreSQL, with procrastinate: jobs are rows in the store's
own database, so workers on any machine that reaches it share them, and a queued job
survives any process dying (docs/fleet.md, "Scaling out").

Queues `scan`, `rematch`, `notify`, `discover`; a queueing lock per digest (scan), per
image (rematch), per registry (discover) and one for the outbox (notify) keeps at most
one of each pending and one running; priorities manual > new > scheduled;
retries with exponential backoff. procrastinate's tables are created the first time a
queue is opened on a store (under an advisory lock, so two workers starting together
create them once); they are procrastinate's own schema, not an Alembic revision, so a
procrastinate upgrade applies its own migrations (`procrastinate schema --migrate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.schema import SchemaManager

from dockwise.fleet import FleetError, runner
from dockwise.fleet.scanning import MANUAL, ScanJob
from dockwise.fleet.store import Fleet

QUEUES = ("scan", "rematch", "notify", "discover")
SCAN_TASK, REMATCH_TASK = "dockwise.scan", "dockwise.rematch"
NOTIFY_TASK, DISCOVER_TASK = "dockwise.notify", "dockwise.discover"
# 2, 4, 8, 16, 32 s between attempts: a registry or database blip passes, a broken image
# fails after five retries (six runs) and stays in the queue's history with its error.
# The embedded pool (SQLite) applies the same policy (workers.run_embedded).
def retry_policy(retries: int = 5) -> procrastinate.RetryStrategy:
    """procrastinate's max_attempts counts retries: the first failed run is attempt 0."""
    return procrastinate.RetryStrategy(max_attempts=retries, exponential_wait=2)


RETRY = retry_policy()
# Seconds a worker waits for a database connection before it gives up and starts over
# (workers.serve): a restart is waited out quietly, a longer outage with backoff.
POOL_TIMEOUT = 10.0
SCHEMA_LOCK = 0x646F636B  # pg_advisory_xact_lock key: "dock"
FINISHED = ("succeeded", "failed", "cancelled", "aborted")
# Never in a job row: a job's arguments are stored in the database for everyone to read.
SECRET_KEYWORDS = ("username", "password")


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker's tasks need besides their arguments."""

    store: str
    db: str
    timeout: float = runner.DEFAULT_TIMEOUT
    retries: int = 5  # the queue's (RETRY); `fleet scan --retries` for the SQLite pool


@dataclass(frozen=True, slots=True)
class Queued:
    """The answer to an enqueue: the job that will do it (new or already pending)."""

    job_id: int
    digest: str
    pending: bool  # True: a job with this lock was waiting already; this is its id


def conninfo(fleet: Fleet) -> str:
    """libpq's URL for the store (procrastinate speaks psycopg, not SQLAlchemy)."""
    if fleet.backend != "postgresql":
        raise FleetError("the job queue needs a PostgreSQL store (--store "
                         "postgresql+psycopg://...); with SQLite, `fleet scan` runs the "
                         "jobs itself")  # fmt: skip
    url = fleet.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def make_app(fleet: Fleet) -> procrastinate.App:
    """A procrastinate app on the store's database with dockwise's tasks registered."""
    ensure_schema(fleet)
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(fleet), timeout=POOL_TIMEOUT)
    app = procrastinate.App(connector=connector)
    options = {"pass_context": True, "retry": RETRY}
    app.task(name=SCAN_TASK, queue="scan", **options)(_scan)
    app.task(name=REMATCH_TASK, queue="rematch", **options)(_rematch)
    app.task(name=NOTIFY_TASK, queue="notify", **options)(_notify)
    app.task(name=DISCOVER_TASK, queue="discover", **options)(_discover)
    return app


def ensure_schema(fleet: Fleet) -> None:
    """procrastinate's tables, created once (the advisory lock serialises first starts)."""
    conninfo(fleet)
    with fleet.engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        found = connection.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar()
        if found is None:
            # bound as a statement with (no) parameters: % doubled, as procrastinate does
            connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def enqueue_scans(
    app: procrastinate.App, jobs: Iterable[ScanJob], keywords: dict[str, Any]
) -> list[Queued]:  # fmt: skip
    """Defer one scan job per digest; a digest with a pending job gets that job's id."""
    safe = _safe(keywords)
    return [_defer(app, SCAN_TASK, job.lock, job.priority, job.digest, {
        "source": job.source, "digest": job.digest, "force": job.force, "keywords": safe,
    }) for job in jobs]  # fmt: skip


def enqueue_rematch(app: procrastinate.App, image_id: int, priority: int = MANUAL) -> Queued:
    """Defer a re-match of one stored image: at most one is pending per image."""
    return _defer(app, REMATCH_TASK, f"rematch:{image_id}", priority, "", {"image_id": image_id})


def enqueue_notify(app: procrastinate.App, severity: str, attempts: int) -> Queued:
    """Defer a delivery of the outbox: one pending and one running at a time (roll-ups
    go out in order); the worker's environment names the webhook and its secret."""
    return _defer(app, NOTIFY_TASK, "notify", MANUAL, "",
                  {"severity": severity, "attempts": attempts})  # fmt: skip


def enqueue_discover(app: procrastinate.App, target: str, selection: dict[str, Any],
                     keywords: dict[str, Any]) -> Queued:  # fmt: skip
    """Defer listing a registry (`selection`: include, exclude, tag_limit), one pending per
    target; the worker pulls with its own credentials."""
    return _defer(app, DISCOVER_TASK, f"discover:{target}", MANUAL, "",
                  {"target": target, **selection, "keywords": _safe(keywords)})  # fmt: skip


def _safe(keywords: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in keywords.items() if k not in SECRET_KEYWORDS}


def _defer(app: procrastinate.App, task: str, lock: str, priority: int, digest: str,
           kwargs: dict[str, Any]) -> Queued:  # fmt: skip
    # queueing_lock: one job waiting per lock; lock: one running (a second job for the
    # digest, queued while the first ran, waits and then finds the result stored)
    deferrer = app.configure_task(task, queueing_lock=lock, lock=lock, priority=priority)
    try:
        return Queued(deferrer.defer(**kwargs), digest, False)
    except AlreadyEnqueued:
        return Queued(_pending(app, lock), digest, True)


def _pending(app: procrastinate.App, lock: str) -> int:
    """The id of the job waiting under `lock` (procrastinate's unique index says one)."""
    jobs = app.job_manager.list_jobs(queueing_lock=lock, status="todo")
    if not jobs:  # it started between our insert and this look-up: that one does it
        jobs = app.job_manager.list_jobs(queueing_lock=lock)
    return max(job.id for job in jobs if job.id)


def statuses(fleet: Fleet, job_ids: Sequence[int]) -> dict[str, int]:
    """How many of these jobs are in each state (one query, for --wait's progress)."""
    query = sa.text("SELECT status::text, count(*) FROM procrastinate_jobs "
                    "WHERE id = ANY(:ids) GROUP BY status")  # fmt: skip
    with fleet.engine.connect() as connection:
        return dict(connection.execute(query, {"ids": list(job_ids)}).all())


async def _scan(context: procrastinate.JobContext, source: str, digest: str = "",
                force: bool = False, keywords: dict | None = None) -> dict:  # fmt: skip
    """The `scan` task: the scan runs in a child process, killed at the task timeout."""
    args = {"source": source, "digest": digest, "force": force, "keywords": keywords or {}}
    return await _child(context, "scan", args)


async def _rematch(context: procrastinate.JobContext, image_id: int) -> dict:
    return await _child(context, "rematch", {"image_id": image_id})


async def _notify(context: procrastinate.JobContext, **args: Any) -> dict:  # noqa: ANN401
    return await _child(context, "notify", args)


async def _discover(context: procrastinate.JobContext, **args: Any) -> dict:  # noqa: ANN401
    return await _child(context, "discover", args)


async def _child(context: procrastinate.JobContext, task: str, args: dict) -> dict:
    settings: WorkerSettings = context.additional_context["settings"]
    request = runner.Request(task, settings.store, settings.db, args)
    return await runner.run_async(request, settings.timeout)
