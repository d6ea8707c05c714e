"""`dockwise db update`: download every feed, build a new database beside the old one,
then swap it in with one `os.replace`.

The old database stays usable until the very last step: a failed, partial or
interrupted build leaves it untouched and removes its own temporary files.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from dockwise.lifecycle.snapshot import LifecycleError
from dockwise.version import __version__
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.advisory import Advisory, CveRecord
from dockwise.vulndb.feeds import FEEDS
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.feeds.endoflife import write_lifecycle
from dockwise.vulndb.fetch import (
    Fetched,
    FetchPolicy,
    UnreachableHosts,
    fetch,
    is_local,
    local_path,
)
from dockwise.vulndb.records import Document, EpssScore, FeedInfo, KevEntry, Record, Skipped
from dockwise.vulndb.store import DbWriter

PROBLEMS = ("failed", "unusable")  # file outcomes that make a database partial
WORKERS = 4  # parallel downloads; parsing and writing stay on one thread
MAX_HOPS = 3  # index files followed before a feed's data file (Amazon: mirror.list, repomd.xml)
STALE_SECONDS = 24 * 3600  # temp dirs of killed updates older than this are removed
DEFAULT_POLICY = FetchPolicy()
USER_AGENT = f"dockwise/{__version__} (+https://github.com/dockwise/dockwise)"


class UpdateProgress(Protocol):
    """What a progress display is told; called from download threads too."""

    def file_started(self, label: str, total: int | None) -> None: ...
    def file_advanced(self, label: str, done: int, total: int | None) -> None: ...
    def file_done(self, label: str) -> None: ...


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One feed file: fetched or not, and what it gave."""

    feed: str
    path: str
    url: str
    status: str  # "ok", "missing", "failed", "unusable" (fetched, nothing readable in it)
    records: int = 0
    skipped: int = 0
    size: int = 0
    sha256: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What `update` did; `warnings` are one line each, ready to print."""

    path: Path
    files: tuple[FileOutcome, ...]
    warnings: tuple[str, ...] = field(default=())
    lifecycle: Path | None = None  # the refreshed lifecycle.json, when one was written

    @property
    def partial(self) -> bool:
        """Some feed gave nothing, or one of its files failed or was unreadable."""
        return bool(incomplete_feeds(self.files))


def incomplete_feeds(files: Sequence[FileOutcome]) -> list[str]:
    """Feeds with a failed or unreadable file, or with no file fetched at all (a mirror
    lacking some OSV ecosystems or Alpine releases is normal; lacking all is not)."""
    problems = {f.feed for f in files if f.status in PROBLEMS}
    fetched = {f.feed for f in files if f.status == "ok"}
    return [
        feed
        for feed in dict.fromkeys(f.feed for f in files)
        if feed in problems or feed not in fetched
    ]


def update(
    db_path: Path,
    *,
    mirror: str | None = None,
    feeds: Sequence[Feed] = FEEDS,
    policy: FetchPolicy = DEFAULT_POLICY,
    progress: UpdateProgress | None = None,
) -> UpdateResult:
    """Build a fresh database at `db_path`; VulnDbError when no feed gave anything."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_work_dirs(db_path.parent)
    work = Path(tempfile.mkdtemp(prefix=".dockwise-update-", dir=db_path.parent))
    try:
        documents: list[Document] = []
        files = _build(work / db_path.name, work, mirror, feeds, policy, progress, documents)
        if not any(f.status == "ok" and f.records for f in files):
            raise VulnDbError(f"no feed could be fetched ({_first_problem(files)})")
        _atomic_replace(work / db_path.name, db_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    warnings = _warnings(files, mirror)
    try:
        lifecycle = write_lifecycle(documents, db_path, mirror)
    except (LifecycleError, OSError) as exc:  # the database is in place: warn, go on
        lifecycle = None
        warnings.append(f"lifecycle: lifecycle.json not refreshed ({exc})")
    return UpdateResult(db_path, tuple(files), tuple(warnings), lifecycle)


def _build(tmp_db, work, mirror, feeds, policy, progress, documents) -> list[FileOutcome]:
    """Download in parallel, parse and write in feed order into `tmp_db`; whole-file
    Documents (lifecycle data) are appended to `documents` instead."""
    writer = DbWriter(tmp_db)
    stop = threading.Event()
    jobs = [(feed, path, feed.url(path, mirror)) for feed in feeds for path in feed.paths]
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="dockwise-fetch")
    try:
        with _client() as client:
            fetcher = _Fetcher(client, work, mirror, policy, progress, stop, UnreachableHosts())
            futures = [
                pool.submit(fetcher.one, feed, url, n) for n, (feed, _, url) in enumerate(jobs)
            ]
            pairs = zip(jobs, futures, strict=True)
            outcomes = [_ingest(writer, job, future, progress, documents) for job, future in pairs]
        writer.finish(_meta(mirror, outcomes))
        return outcomes
    except BaseException:
        writer.abort()
        raise
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _client() -> httpx.Client:
    return httpx.Client(follow_redirects=True, headers={"User-Agent": USER_AGENT})


@dataclass(frozen=True, slots=True)
class _Fetcher:
    """What every download of one update shares."""

    client: httpx.Client
    work: Path
    mirror: str | None
    policy: FetchPolicy
    progress: UpdateProgress | None
    stop: threading.Event
    unreachable: UnreachableHosts

    def one(self, feed: Feed, url: str, number: int) -> Fetched:
        """One feed file; for a feed found through indexes, the data file they lead to."""
        if self.progress:
            self.progress.file_started(url, None)
        fetched = self._get(url, url, number)
        for _ in range(MAX_HOPS):
            if feed.follow is None or fetched.status != "ok" or fetched.path is None:
                return fetched
            try:
                target = _next_hop(feed.follow(fetched.path, fetched.url), feed, url, self.mirror)
            except ValueError as exc:
                return Fetched(fetched.url, "unusable", detail=str(exc))
            if target is None:
                return fetched
            fetched = self._get(target, url, number)
            if fetched.status != "ok":  # say which file the indexes led to
                return dataclasses.replace(fetched, detail=f"{target}: {fetched.detail}")
        return Fetched(url, "unusable", detail=f"more than {MAX_HOPS} indexes before the data")

    def _get(self, url: str, label: str, number: int) -> Fetched:
        """Progress is shown under the feed file's own URL, whichever index it is at."""

        def report(done: int, total: int | None) -> None:
            if self.progress:
                self.progress.file_advanced(label, done, total)

        dest = self.work / f"download-{number}"
        return fetch(self.client, url, dest, self.policy, report, self.stop, self.unreachable)


def _next_hop(target: str | None, feed: Feed, first: str, mirror: str | None) -> str | None:
    """Where an index points, on the mirror when there is one; ValueError when it points
    off the host the feed was fetched from (an index is data, not a redirect to obey)."""
    if target is None:
        return None
    target = feed.rebase(target, mirror)
    if _origin(target) != _origin(first):
        raise ValueError(f"an index points off the host of {first}, to {target}")
    return target


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _ingest(writer: DbWriter, job: tuple, future: Future, progress, documents) -> FileOutcome:
    """Parse one downloaded file into the writer; the download is deleted afterwards."""
    feed, path, url = job
    fetched: Fetched = future.result()
    base = FileOutcome(feed.name, path, url, fetched.status, detail=fetched.detail)
    if fetched.status != "ok" or fetched.path is None:
        if progress:
            progress.file_done(url)
        writer.add_feed_file(_feed_row(base))
        return base
    try:
        counts = _write(writer, feed.parse(fetched.path, path), documents)
    finally:
        fetched.path.unlink(missing_ok=True)
        if progress:
            progress.file_done(url)
    records, skipped, info, first_skip = counts
    status = "unusable" if skipped and not records else "ok"
    detail = "; ".join(f"{k}={v}" for k, v in info.items())
    if first_skip:
        detail = f"{detail}; first skipped: {first_skip}".lstrip("; ")
    row = FileOutcome(
        feed.name, path, url, status, records, skipped, fetched.size, fetched.sha256, detail
    )
    writer.add_feed_file(_feed_row(row))
    return row


def _write(
    writer: DbWriter, records: Iterable[Record], documents: list[Document]
) -> tuple[int, int, dict, str]:
    """Store records by kind; count what was stored and what was skipped, and why."""
    stored, skipped, info, first_skip = 0, 0, {}, ""
    for record in records:
        match record:
            case Advisory():
                stored += writer.add_advisory(record)
            case CveRecord():
                writer.add_cve(record)
                stored += 1
            case KevEntry():
                writer.add_kev(record)
                stored += 1
            case EpssScore():
                writer.add_epss(record)
                stored += 1
            case FeedInfo():
                info[record.key] = record.value
            case Document():
                documents.append(record)
                stored += record.count
            case Skipped():
                skipped += 1
                first_skip = first_skip or f"{record.where}: {record.reason}"
    return stored, skipped, info, first_skip


def _feed_row(outcome: FileOutcome) -> dict:
    return {
        "feed": outcome.feed,
        "path": outcome.path,
        "url": outcome.url,
        "fetched": _now(),
        "records": outcome.records,
        "skipped": outcome.skipped,
        "bytes": outcome.size,
        "sha256": outcome.sha256,
        "status": outcome.status,
        "detail": outcome.detail,
    }


def _meta(mirror: str | None, outcomes: list[FileOutcome]) -> dict[str, str]:
    missing = incomplete_feeds(outcomes)
    return {
        "built": _now(),
        "dockwise_version": __version__,
        "mirror": mirror or "",
        "partial": "true" if missing else "false",
        "incomplete_feeds": ",".join(missing),
    }


def _warnings(files: Sequence[FileOutcome], mirror: str | None) -> list[str]:
    """One line per problem; files a mirror simply lacks are summed up per feed."""
    lines, where = [], _missing_from(mirror)
    for feed in dict.fromkeys(f.feed for f in files):
        own = [f for f in files if f.feed == feed]
        missing = [f.path for f in own if f.status == "missing"]
        if missing:
            lines.append(
                f"{feed}: {len(missing)} of {len(own)} files not {where} "
                f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})"
            )
        lines.extend(_file_warnings(own))
    return lines


def _missing_from(mirror: str | None) -> str:
    """Where the missing files were looked for, in the words of the mirror's scheme."""
    if mirror and is_local(mirror):
        return f"in the mirror directory {local_path(mirror)}"
    return "on the server"


def _file_warnings(files: Iterable[FileOutcome]) -> Iterable[str]:
    for f in files:
        if f.status == "failed":
            yield f"{f.feed}: {f.path}: cannot fetch {f.url} ({f.detail})"
        elif f.status == "unusable":
            yield f"{f.feed}: {f.path}: nothing usable in it ({f.detail})"
        elif f.skipped:
            yield f"{f.feed}: {f.path}: skipped {f.skipped} malformed records ({f.detail})"


def _first_problem(files: Sequence[FileOutcome]) -> str:
    for f in files:
        if f.status in ("failed", "unusable"):
            return f"{f.url}: {f.detail}"
    return f"{files[0].url}: not found" if files else "no feeds selected"


def _atomic_replace(built: Path, target: Path) -> None:
    """Flush the new file, rename it over the old one, flush the directory entry."""
    with built.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(built, target)
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return  # e.g. platforms that cannot open directories
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_work_dirs(directory: Path) -> None:
    """Temp dirs left by updates that were killed (SIGKILL, power loss)."""
    cutoff = time.time() - STALE_SECONDS
    for stale in directory.glob(".dockwise-update-*"):
        try:
            if stale.stat().st_mtime < cutoff:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
