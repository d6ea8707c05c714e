"""The database a scan reads, made ready: built from the feeds on a first run and refreshed
when older than the scan allows, as Trivy's and Grype's are. One code path for
`dockwise db update`, `dockwise scan` and the Python API's `scan`.

What it downloads or keeps old is said on stderr, even in CI: a scan that fetches feeds
or answers from old data must say so.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from dockwise.errors import DockwiseError
from dockwise.vulndb.status import describe_counts, human_age, read_status

Bars = Callable[[], AbstractContextManager]  # progress bars over the feed files, or none


def build_database(path: Path, mirror: str | None, bars: Bars = nullcontext) -> None:
    """Download the feeds (or read the mirror) and rebuild the database at `path`: a line
    per warning, then what it holds."""
    from dockwise.vulndb.store import VulnDb
    from dockwise.vulndb.update import update

    started = time.monotonic()
    try:
        with bars() as bar:
            result = update(path, mirror=mirror, progress=bar)
    except OSError as exc:  # e.g. an unwritable cache directory on a first scan
        raise DockwiseError(f"{path}: cannot build the database ({exc.strerror})") from None
    for line in result.warnings:
        notice(f"warning: {line}")
    with VulnDb(path) as db:
        held = describe_counts(db.counts())
    note = " (partial: see warnings)" if result.partial else ""
    print(f"database updated: {path}: {held}, in {time.monotonic() - started:.1f}s{note}",
          file=sys.stderr)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Database:
    """The database a scan reads, and whether it may be (re)built from the feeds first."""

    path: Path
    mirror: str | None
    offline: bool  # --offline or $DOCKWISE_OFFLINE: only a file:// mirror may be read

    @property
    def buildable(self) -> bool:
        from dockwise.vulndb.fetch import is_local

        return not self.offline or bool(self.mirror and is_local(self.mirror))

    @property
    def feeds(self) -> str:
        return self.mirror or "the public feeds"

    def prepare(self, max_age: float, bars: Bars = nullcontext) -> str | None:
        """Build a missing database, refresh an old one; the warning for an old one kept."""
        if self.path.is_file():
            return self._refresh(max_age, bars)
        if not self.buildable:
            raise DockwiseError(
                f"no vulnerability database at {self.path} and --offline forbids downloading "
                "it; install one with `dockwise db import BUNDLE` (a bundle written by "
                "`dockwise db export` on a connected machine)"
            )
        notice(f"no vulnerability database at {self.path}; building it from {self.feeds} "
               "(first run)")  # fmt: skip
        build_database(self.path, self.mirror, bars)
        return None

    def _refresh(self, max_age: float, bars: Bars) -> str | None:
        status = read_status(self.path)
        if not status.stale(max_age):
            return None
        age = human_age(status.age_seconds)
        if self.buildable:
            notice(f"the vulnerability database is {age} old; refreshing it from {self.feeds}")
            try:
                build_database(self.path, self.mirror, bars)
                return None
            except DockwiseError as exc:
                notice(f"warning: cannot refresh the vulnerability database ({exc})")
        hint = "import a newer bundle" if self.offline else "run `dockwise db update`"
        return (
            f"the vulnerability database is {age} old "
            f"(built {status.built or 'at an unknown time'}); {hint}"
        )


def notice(line: str) -> None:
    """One line on stderr, even in CI."""
    print(f"dockwise: {line}", file=sys.stderr)
