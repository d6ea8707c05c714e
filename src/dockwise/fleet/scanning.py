"""What `fleet scan` does, as plain functions over the store: pick the images that are
new or stale, and the task functions a job runs (in a child process of `fleet scan`
with SQLite, or of a `dockwise worker` with PostgreSQL: the same code either way).

New: a name an image was scanned by (a registry reference, an archive) that now gives
a digest this dockwise version has not analysed (the tag moved), and a reference
`fleet discover` listed that no stored image answers. Stale (`--stale AGE`):
a stored image last scanned before AGE ago. Both are found by reading manifests only;
the same digest under several names is one job (dedupe by manifest digest before
queueing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dockwise import __version__
from dockwise.errors import DockwiseError
from dockwise.fleet import api
from dockwise.fleet.add import add, match_added
from dockwise.fleet.ingest import Ingested, Pending, ingest_batch, stored
from dockwise.fleet.match import Changes, Scope, match_images
from dockwise.fleet.queries import unscanned
from dockwise.fleet.schema import images, scan_runs
from dockwise.fleet.store import Fleet

# Priorities (higher runs first): a user asked for it > a new image > a scheduled rescan.
MANUAL, NEW, SCHEDULED = 20, 10, 0
# Tests only (tests/fleet/test_workers.py): seconds a scan task sleeps before it reads
# the image, so a test can kill a worker mid-job deterministically. Never set otherwise.
PAUSE_ENV = "DOCKWISE_TEST_SCAN_PAUSE"
RESOLVERS = 8  # manifests read at once while planning: network-bound, not CPU-bound


@dataclass(frozen=True, slots=True)
class ScanJob:
    """One image to scan: the name to pull it by, the digest it had when planned."""

    source: str
    digest: str
    priority: int
    force: bool = False  # stale: scanned again though this version stored it

    @property
    def lock(self) -> str:
        """The queueing lock: at most one pending scan per digest."""
        return f"scan:{self.digest or self.source}"


@dataclass(frozen=True, slots=True)
class Plan:
    jobs: tuple[ScanJob, ...]
    unchanged: int  # stored by this version and not stale
    errors: tuple[str, ...]  # one line per name whose manifest could not be read


def parse_age(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`: the --stale AGE."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit():
        raise DockwiseError(f"{text}: not an age (a number and m, h, d or w, such as 7d)")
    return timedelta(**{units[unit]: int(number)})


def plan(
    fleet: Fleet, keywords: dict[str, Any], stale: timedelta | None = None,
    sources: Sequence[str] = (),
) -> Plan:  # fmt: skip
    """The jobs for these `sources` (manual), else for every stored image and reference."""
    named = [(s, MANUAL) for s in sources] or [(s, NEW) for s in _known_names(fleet)]
    cutoff = None if stale is None else _iso(datetime.now(UTC) - stale)
    resolved = _resolve([name for name, _ in named], keywords)
    jobs: dict[str, ScanJob] = {}
    unchanged, errors = 0, []
    for (name, priority), (digest, error) in zip(named, resolved, strict=True):
        if error:
            errors.append(error)
            continue
        job = _job(fleet, name, digest, priority, cutoff)
        if job is None:
            unchanged += 1
        elif job.lock not in jobs:
            jobs[job.lock] = job
    return Plan(tuple(jobs.values()), unchanged, tuple(errors))


def _job(fleet: Fleet, name: str, digest: str, priority: int, cutoff: str | None):  # noqa: ANN202
    """A job when the digest is new to this version, or stale; None when up to date."""
    if not digest or stored(fleet, digest, __version__) is None:
        return ScanJob(name, digest, priority)
    if cutoff and _last_scanned(fleet, digest) <= cutoff:
        return ScanJob(name, digest, min(priority, SCHEDULED), force=True)
    return None


def _known_names(fleet: Fleet) -> list[str]:
    """Every name to ask again: what stored images were scanned by, then the references
    `fleet discover` listed that no stored image answers yet."""
    return list(dict.fromkeys(_stored_names(fleet) + [u.source for u in unscanned(fleet)]))


def _stored_names(fleet: Fleet) -> list[str]:
    """The name each stored image was last scanned by (`registry:host/repo:tag`, or an
    archive's path), once each: a tag that moved names a new digest now. Names only
    seen as an archive's repo tags are not asked of a registry: nothing was pulled."""
    latest = sa.select(sa.func.max(scan_runs.c.id)).group_by(scan_runs.c.image_id)
    query = (sa.select(scan_runs.c.source)
             .where(scan_runs.c.kind == "scan", scan_runs.c.id.in_(latest))
             .order_by(scan_runs.c.id))  # fmt: skip
    with fleet.engine.connect() as connection:
        return list(dict.fromkeys(connection.execute(query).scalars()))


def _resolve(names: list[str], keywords: dict[str, Any]) -> list[tuple[str, str]]:
    """(digest, "") for each name, or ("", the one-line error)."""

    def one(name: str) -> tuple[str, str]:
        try:
            return api.image_digest(name, keywords), ""
        except DockwiseError as exc:
            return "", str(exc) if name in str(exc) else f"{name}: {exc}"

    with ThreadPoolExecutor(RESOLVERS) as pool:
        return list(pool.map(one, names))


def _last_scanned(fleet: Fleet, digest: str) -> str:
    with fleet.engine.connect() as connection:
        query = sa.select(images.c.last_scanned).where(images.c.digest == digest)
        return connection.execute(query).scalar() or ""


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def scan_image(
    fleet: Fleet, job: ScanJob, db: Path, keywords: dict[str, Any]
) -> Ingested:  # fmt: skip
    """The `scan` task: pull and inventory the image unless this version stored its
    digest (a retried job finds its own earlier work done), store it, match it."""
    _test_pause()
    # the layers' analyses live beside the store's result files (a shared path when
    # workers run on several machines): a base layer is analysed once per fleet
    keywords = {"layer_cache": os.fspath(fleet.results.root), **keywords}
    if job.force:
        item = ingest_batch(
            fleet, [Pending.of(api.scan(job.source, db, keywords), job.source, "scan")]
        )[0]
    else:
        item = add(fleet, job.source, db, keywords)
    match_added(fleet, db, [item])
    return item


def rematch_image(fleet: Fleet, db: Path, image_id: int) -> Changes:
    """The `rematch` task: one stored image against the current database release."""
    with api.open_advisories(db) as advisories:
        return match_images(fleet, advisories, api.release_of(advisories), [Scope([image_id])])


def _test_pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        time.sleep(float(seconds))
