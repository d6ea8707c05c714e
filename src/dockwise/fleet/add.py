"""`fleet add` and `scan --store`: one source into the store, scanned only when the
store does not hold its digest from this dockwise version, then matched against the
current vulnerability database release."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dockwise import __version__
from dockwise.fleet import api
from dockwise.fleet.ingest import Ingested, image_identity, ingest, seen_again, stored
from dockwise.fleet.match import Changes, Scope, match_images
from dockwise.fleet.store import Fleet


def add(fleet: Fleet, source: str, db: Path, keywords: dict[str, Any]) -> Ingested:
    """Store one source: a saved JSON result as it is, anything else scanned unless its
    digest is stored already by this version of dockwise (then only its reference is).
    `keywords`: the public API's for reading the source (platform, offline, ...)."""
    if _saved_result(source):
        data = Path(source).read_bytes()
        return add_result(fleet, api.decode_result(data, source), source, data=data)
    digest = api.image_digest(source, keywords)
    known = stored(fleet, digest, __version__) if digest else None
    if known is not None:
        return seen_again(fleet, known, digest, source)
    return ingest(fleet, api.scan(source, db, keywords), source, "scan")


def add_result(
    fleet: Fleet, result: api.ScanResult, source: str, kind: str = "result",
    data: bytes | None = None,
) -> Ingested:  # fmt: skip
    """Store a result already made (saved JSON, or the scan `scan --store` just ran);
    `data`: the saved bytes it was decoded from."""
    digest = image_identity(result)
    known = stored(fleet, digest, result.tool_version)
    if known is not None:
        return seen_again(fleet, known, digest, source)
    return ingest(fleet, result, source, kind, data)


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
