"""The public Python API (docs/python-api.md): what `import dockwise` gives, and what the
CLI's `sbom`, `scan` and `diff` commands are thin layers over.

Keyword arguments are named like the CLI's flags and default as they do (including the
environment: $DOCKWISE_DB, $DOCKWISE_MIRROR, $DOCKWISE_OFFLINE, $DOCKWISE_REGISTRY_*).
Results are the model's frozen dataclasses. Every failure the CLI reports as one line is
raised as a `dockwise.errors.DockwiseError` (or a subclass); nothing here exits or prints
a result. Only what a scan downloads or keeps old is said on stderr, as the CLI says it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.model import ScanResult, ScanWarning
from dockwise.model_json import is_saved_result, load_result
from dockwise.options import Options, registry_access
from dockwise.options import secrets_max_size as resolve_secrets_max_size
from dockwise.progress import bars

if TYPE_CHECKING:  # imported when `diff` runs: its version orderings cost `sbom` 45 ms
    from dockwise.changes import ImageDiff
    from dockwise.runprofile.derive import RunProfile

__all__ = ["diff", "load_result", "profile", "sbom", "scan"]

PathLike = str | os.PathLike[str]


def sbom(source: PathLike, *, quiet: bool = False, **options: Any) -> ScanResult:
    """What is inside the image at `source` (any SOURCE the CLI takes): its inventory.

    Source options: platform, no_cache, offline, key, username, password,
    insecure_registry, ca_cert (see docs/python-api.md).
    """
    from dockwise.pipeline import sbom as take_sbom

    if options.get("secrets_max_size") is not None:
        raise TypeError("sbom() reads no file for secrets: secrets_max_size is for scan()")
    with bars(quiet) as bar:
        return take_sbom(_options(source, quiet=quiet, **options), bar)


def profile(source: PathLike, *, quiet: bool = False, **options: Any) -> RunProfile:
    """The least privilege the image at `source` can run with, each setting with its
    reason (`dockwise.runprofile.render` writes it as Kubernetes YAML, flags, Compose).

    Source options as for `sbom`.
    """
    from dockwise.pipeline.profile import profile as take_profile

    with bars(quiet) as bar:
        return take_profile(_options(source, quiet=quiet, **options), bar)


def scan(
    source: PathLike,
    *,
    db: PathLike | None = None,
    mirror: str | None = None,
    max_db_age: str | float | None = None,
    ignore_file: PathLike | None = None,
    vex: PathLike | Sequence[PathLike] = (),
    today: date | None = None,
    quiet: bool = False,
    **options: Any,
) -> ScanResult:
    """The inventory, every checker's findings (suppressed ones marked, never dropped) and
    the five answers. A missing database is built and an older one than `max_db_age`
    (`"36h"`, `"2w"`, or seconds; the CLI's 7 days when None) refreshed first, as
    `dockwise scan` does."""
    from dockwise.checks.suppress import load
    from dockwise.pipeline.check import ScanSettings
    from dockwise.pipeline.check import scan as take_scan
    from dockwise.vulndb.coverage import database_coverage
    from dockwise.vulndb.paths import resolve_db_path, resolve_mirror
    from dockwise.vulndb.prepare import Database
    from dockwise.vulndb.status import DEFAULT_MAX_AGE, parse_max_age
    from dockwise.vulndb.store import VulnDb

    vex_files = [vex] if isinstance(vex, str | os.PathLike) else list(vex)
    suppressions = load(_text(ignore_file), [os.fspath(v) for v in vex_files])  # bad: fail now
    age = DEFAULT_MAX_AGE if max_db_age is None else max_db_age
    max_age = parse_max_age(age, "max_db_age") if isinstance(age, str) else age
    read = _options(source, quiet=quiet, **options)
    database = Database(resolve_db_path(_text(db)), resolve_mirror(mirror), read.registry.offline)
    age_warning = database.prepare(max_age, lambda: bars(quiet, feeds=True))
    with VulnDb(database.path) as advisories, bars(quiet) as bar:
        held = database_coverage(advisories)
        result = take_scan(read, ScanSettings(advisories, suppressions, today, held), bar)
    return _with_warning(result, age_warning)


def diff(
    old: ScanResult | PathLike,
    new: ScanResult | PathLike,
    *,
    db: PathLike | None = None,
    quiet: bool = False,
    **options: Any,
) -> ImageDiff:
    """What changed from `old` to `new`. Each side is a ScanResult, a result saved with
    `--format json`, or a SOURCE; live sources are scanned when a vulnerability database
    exists (`db`, else the default one) and only inventoried otherwise. The diff's `mode`
    says which ("scan", "sbom", or "saved" when neither side is live)."""
    from dockwise.changes import diff as compare

    given = [side if isinstance(side, ScanResult) else _saved(side) for side in (old, new)]
    mode, path = _mode(db, live=None in given)
    with _advisories(path) as advisories:
        old_result, new_result = (
            found or _read(side, advisories, quiet, options)
            for found, side in zip(given, (old, new), strict=True)
        )
    if mode == "sbom":  # a saved scan's findings have nothing to be compared with
        old_result, new_result = _without_findings(old_result), _without_findings(new_result)
    return dataclasses.replace(compare(old_result, new_result), mode=mode)


def _options(
    source: PathLike,
    *,
    quiet: bool = False,
    platform: str | None = None,
    no_cache: bool = False,
    key: PathLike | None = None,
    username: str | None = None,
    password: str | None = None,
    insecure_registry: Sequence[str] = (),
    ca_cert: PathLike | None = None,
    offline: bool = False,
    secrets_max_size: int | str | None = None,
    layer_cache: PathLike | None = None,
) -> Options:
    """The run's Options; an unknown keyword is a TypeError naming it."""
    access = registry_access(username, password, insecure_registry, _text(ca_cert), offline)
    return Options(source=os.fspath(source), platform=platform, quiet=quiet, no_cache=no_cache,
                   registry=access, key=_text(key),
                   secrets_max_size=resolve_secrets_max_size(secrets_max_size),
                   layer_cache=_text(layer_cache))  # fmt: skip


def _text(path: PathLike | None) -> str | None:
    return None if path is None else os.fspath(path)


def _with_warning(result: ScanResult, message: str | None) -> ScanResult:
    """An old database still answers, but says so (stderr and the result's warnings)."""
    if message is None:
        return result
    from dockwise.vulndb.prepare import notice

    notice(f"warning: {message}")
    warnings = (*result.inventory.warnings, ScanWarning(message))
    return dataclasses.replace(
        result, inventory=dataclasses.replace(result.inventory, warnings=warnings)
    )


def _saved(source: PathLike) -> ScanResult | None:
    """The result saved at `source` by `--format json`, or None when it is a SOURCE:
    recognised by its content, never its name."""
    path = Path(source)
    return load_result(path) if path.is_file() and is_saved_result(path) else None


def _mode(db: PathLike | None, live: bool) -> tuple[str, Path | None]:
    """("scan", path) with a database, ("sbom", None) without; ("saved", None) when both
    sides are saved results. An explicit `db` that does not exist is an error."""
    from dockwise.errors import DockwiseError
    from dockwise.vulndb.paths import resolve_db_path

    if not live:
        return "saved", None
    path = resolve_db_path(_text(db))
    if path.is_file():
        return "scan", path
    if db is not None:
        raise DockwiseError(f"no vulnerability database at {path}; run `dockwise db update`")
    return "sbom", None


def _advisories(path: Path | None):  # noqa: ANN202 - a VulnDb, or nullcontext(None)
    if path is None:
        return nullcontext(None)
    from dockwise.vulndb.store import VulnDb

    return VulnDb(path)


def _read(source: PathLike, advisories: Any, quiet: bool, options: dict[str, Any]) -> ScanResult:
    """Scan (with advisories) or inventory one live side."""
    from dockwise.pipeline import sbom as take_sbom
    from dockwise.pipeline.check import ScanSettings
    from dockwise.pipeline.check import scan as take_scan
    from dockwise.vulndb.coverage import database_coverage

    read = _options(source, quiet=quiet, **options)
    with bars(quiet) as bar:
        if advisories is None:
            return take_sbom(read, bar)
        settings = ScanSettings(advisories, database=database_coverage(advisories))
        return take_scan(read, settings, bar)


def _without_findings(result: ScanResult) -> ScanResult:
    return dataclasses.replace(result, findings=())
