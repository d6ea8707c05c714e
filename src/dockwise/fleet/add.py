"""`fleet add` and `scan --store`: sources into the store, scanned only when the store
does not hold their digest from this dockwise version, then matched against the current
vulnerability database release. Saved results go in batches, one transaction each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dockwise import __version__
from dockwise.errors import DockwiseError
from dockwise.fleet import api
from dockwise.fleet.ingest import (
    Ingested,
    Pending,
    image_identity,
    ingest_batch,
    refresh_references,
    seen_again,
    stored,
    stored_many,
)
from dockwise.fleet.match import Changes, Scope, match_images
from dockwise.fleet.store import Fleet

BATCH = 200  # saved results per transaction: the commit is paid once per batch

Outcome = tuple[str, Ingested | DockwiseError]  # each source, and what became of it


def add_sources(
    fleet: Fleet, sources: Sequence[str], db: Path, keywords: dict[str, Any]
) -> Iterator[Outcome]:
    """Each source into the store, in order; a source that fails is its error, and the
    others still go in. Saved JSON results are read and stored in batches; anything else
    is scanned unless its digest is stored already by this version of dockwise.
    `keywords`: the public API's for reading a source (platform, offline, ...)."""
    batch: list[Pending] = []
    for source in sources:
        if not _saved_result(source):
            yield from _flush(fleet, batch)
            yield source, _attempt(lambda s=source: add(fleet, s, db, keywords))
            continue
        try:
            batch.append(_read(source))
        except DockwiseError as exc:
            yield source, exc
        if len(batch) >= BATCH:
            yield from _flush(fleet, batch)
    yield from _flush(fleet, batch)


def _attempt(step) -> Ingested | DockwiseError:  # noqa: ANN001 - a thunk
    try:
        return step()
    except DockwiseError as exc:
        return exc


def _flush(fleet: Fleet, batch: list[Pending]) -> Iterator[Outcome]:
    """Store the batch, then empty it (the caller goes on filling the same list)."""
    if batch:
        yield from zip((p.source for p in batch), add_results(fleet, batch), strict=True)
        batch.clear()


def _read(source: str) -> Pending:
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise DockwiseError(f"{source}: cannot read ({exc.strerror})") from None
    return Pending(api.read_saved(data, source), data, source, "result")


def add(fleet: Fleet, source: str, db: Path, keywords: dict[str, Any]) -> Ingested:
    """Store one source: a saved JSON result as it is, anything else scanned unless its
    digest is stored already by this version of dockwise (then only its reference is)."""
    if _saved_result(source):
        return add_results(fleet, [_read(source)])[0]
    digest = api.image_digest(source, keywords)
    known = stored(fleet, digest, __version__) if digest else None
    if known is not None:
        return seen_again(fleet, known, digest, source)
    return add_result(fleet, api.scan(source, db, keywords), source, "scan")


def add_result(fleet: Fleet, result: api.ScanResult, source: str, kind: str = "result") -> Ingested:
    """Store a result already made (the scan `scan --store` or `add` just ran), unless its
    digest is stored by its analyzer version."""
    item = Pending.of(result, source, kind)
    digest = image_identity(item.saved)
    known = stored(fleet, digest, result.tool_version)
    if known is not None:
        return seen_again(fleet, known, digest, source)
    return ingest_batch(fleet, [item])[0]


def add_results(fleet: Fleet, batch: Sequence[Pending]) -> list[Ingested]:
    """Store results already made, in order: those whose digest the store holds from
    the same analyzer version (or an earlier one in this batch) are not stored again,
    only their references are refreshed."""
    digests = [image_identity(item.saved) for item in batch]
    known = stored_many(fleet, digests)
    fresh: dict[str, Pending] = {}
    for digest, item in zip(digests, batch, strict=True):
        held = known.get(digest)
        if digest not in fresh and (held is None or held[1] != item.saved.tool.version):
            fresh[digest] = item
    done = {i.digest: i for i in ingest_batch(fleet, list(fresh.values()))} if fresh else {}
    outcome, again = [], []
    for digest, item in zip(digests, batch, strict=True):
        if fresh.get(digest) is item:
            outcome.append(done[digest])
            continue
        image_id = done[digest].image_id if digest in done else known[digest][0]
        outcome.append(Ingested(image_id, digest, False))
        again.append((image_id, item.names))
    if again:
        refresh_references(fleet, again)
    return outcome


def match_added(fleet: Fleet, db: Path, added: Sequence[Ingested]) -> Changes | None:
    """Match the newly stored images against the database; None when there is none
    (findings then come with the first `fleet rematch` after `db update`)."""
    fresh = [item.image_id for item in added if item.scanned]
    if not fresh or not db.is_file():
        return None
    with api.open_advisories(db) as advisories:
        return match_images(fleet, advisories, api.release_of(advisories), [Scope(fresh)])


def _saved_result(source: str) -> bool:
    return Path(source).is_file() and api.is_saved_result(source)
