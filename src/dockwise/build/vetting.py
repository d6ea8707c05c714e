"""The one place `dockwise build`, `rebuild` and `outdated` call the scan pipeline and the
diff: through the public Python API (docs/python-api.md), as any outside tool would."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dockwise
from dockwise.model import ScanResult

if TYPE_CHECKING:
    from dockwise.changes import ImageDiff


@dataclass(frozen=True, slots=True)
class Vetting:
    """Where advisories come from, as `dockwise scan`'s flags say it."""

    db: str | None = None  # --db; None: $DOCKWISE_DB, else the cache's
    mirror: str | None = None  # --mirror
    max_db_age: str | None = None  # --max-db-age; None: scan's default
    quiet: bool = False


def vet(source: str, vetting: Vetting, *, no_cache: bool = True) -> ScanResult:
    """Scan the image `source` (a SOURCE as `dockwise scan` takes it); a missing database
    is built and an old one refreshed first, as `dockwise scan` does."""
    return dockwise.scan(source, db=vetting.db, mirror=vetting.mirror,
                         max_db_age=vetting.max_db_age, quiet=vetting.quiet,
                         no_cache=no_cache)  # fmt: skip


def compare(old: ScanResult, new: ScanResult) -> ImageDiff:
    """What changed from `old` to `new`, as `dockwise diff` says it (both were scanned)."""
    return dataclasses.replace(dockwise.diff(old, new), mode="scan")
