"""The one place `dockwise build`, `rebuild` and `outdated` call the scan pipeline and
the diff, so the move to the public Python API (`dockwise.scan(source, db=..., ...)`,
which prepares the database the same way, and `dockwise.diff`) touches only this module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockwise.model import ScanResult

if TYPE_CHECKING:
    from dockwise.diff import ImageDiff


@dataclass(frozen=True, slots=True)
class Vetting:
    """Where advisories come from, as `dockwise scan`'s flags say it."""

    db: str | None = None  # --db; None: $DOCKWISE_DB, else the cache's
    mirror: str | None = None  # --mirror
    max_db_age: str = "7d"  # --max-db-age
    quiet: bool = False


def vet(source: str, vetting: Vetting, *, no_cache: bool = True) -> ScanResult:
    """Scan the image `source` (a SOURCE as `dockwise scan` takes it); a missing database
    is built and an old one refreshed first, as `dockwise scan` does."""
    # Until the public API lands in main: the same steps as `commands/scan.py`.
    from dockwise.commands.common import offline_requested
    from dockwise.commands.scan import Database, open_advisories, with_warning
    from dockwise.options import Options
    from dockwise.pipeline.check import ScanSettings, scan
    from dockwise.vulndb.paths import resolve_db_path, resolve_mirror
    from dockwise.vulndb.status import parse_max_age

    offline = offline_requested()
    database = Database(resolve_db_path(vetting.db), resolve_mirror(vetting.mirror), offline)
    warning = database.prepare(parse_max_age(vetting.max_db_age, "--max-db-age"), vetting.quiet)
    options = Options(source=source, quiet=True, no_cache=no_cache)
    with open_advisories(database.path) as advisories:
        result = scan(options, ScanSettings(advisories))
    return with_warning(result, warning)


def compare(old: ScanResult, new: ScanResult) -> ImageDiff:
    """What changed from `old` to `new`, as `dockwise diff` says it."""
    import dataclasses

    from dockwise.diff import diff

    return dataclasses.replace(diff(old, new), mode="scan")
