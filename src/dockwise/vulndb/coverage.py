"""What a database holds, as a scan's coverage needs it: which database it is, each
feed's state, and the advisories per ecosystem (counted at build time, store.py).

Read from the open database in a few small queries, so saying what was covered costs
the scan nothing measurable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from dockwise.model import DatabaseInfo, FeedState
from dockwise.vulndb.feeds import amazon, azure_linux, oracle, photon, redhat_vex, wolfi_secdb
from dockwise.vulndb.status import is_partial
from dockwise.vulndb.store import VulnDb

# Worst last: a feed is as good as its worst file.
_STATUS_ORDER = ("ok", "missing", "unusable", "failed")
# Vendor feeds with one file (or index) per release: feed -> (path -> ecosystem it holds)
_RELEASE_FILES: dict[str, Callable[[str], str]] = {
    amazon.FEED.name: amazon.ecosystem_of,
    photon.FEED.name: photon.ecosystem_of,
    azure_linux.FEED.name: azure_linux.ecosystem_of,
}


@dataclass(frozen=True, slots=True)
class DatabaseCoverage:
    """The database, the advisories it holds per ecosystem, and its feed files."""

    info: DatabaseInfo
    advisories: Mapping[str, int]  # ecosystem ("Debian:12", "PyPI") -> records
    files: tuple[tuple[str, str, str], ...] = ()  # (feed, path, status) per feed file

    def count(self, ecosystems: Iterable[str]) -> int:
        return sum(self.advisories.get(e, 0) for e in ecosystems)

    def problems(self, ecosystems: Iterable[str]) -> list[str]:
        """`feed path (status)` for each file that should hold advisories of these
        ecosystems but was missing, failed or unreadable when the database was built."""
        wanted = tuple(ecosystems)
        return [
            f"{feed} {unquote(path)} ({status})"
            for feed, path, status in self.files
            if status != "ok" and any(_holds(feed, path, e) for e in wanted)
        ]


# Vendor feeds whose every file holds all of one ecosystem's releases
_WHOLE_FILES = {
    wolfi_secdb.WOLFI_FEED.name: "Wolfi",
    wolfi_secdb.CHAINGUARD_FEED.name: "Chainguard",
    oracle.FEED.name: oracle.ECOSYSTEM,
    redhat_vex.FEED.name: "Red Hat",  # one archive for every release
}


def database_coverage(db: VulnDb) -> DatabaseCoverage:
    """The coverage facts of an open database."""
    rows = db.feeds()
    info = DatabaseInfo(
        path=str(db.path.resolve()),  # as saved results are read later, elsewhere
        schema=db.meta.get("schema_version", ""),
        built=db.meta.get("built", ""),
        partial=is_partial(db.meta),
        feeds=feed_states(rows),
    )
    files = tuple((r["feed"], r["path"], r["status"]) for r in rows)
    return DatabaseCoverage(info, db.ecosystem_counts(), files)


def feed_states(rows: Sequence[Mapping]) -> tuple[FeedState, ...]:
    """One state per feed, in build order, from the `feeds` table's rows (one per file)."""
    names = dict.fromkeys(r["feed"] for r in rows)
    return tuple(_feed_state(name, [r for r in rows if r["feed"] == name]) for name in names)


def _feed_state(name: str, rows: Sequence[Mapping]) -> FeedState:
    worst = max((r["status"] for r in rows), key=_severity_of_status)
    return FeedState(name, worst, sum(r["records"] for r in rows), len(rows))


def _severity_of_status(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else len(_STATUS_ORDER)


def _holds(feed: str, path: str, ecosystem: str) -> bool:
    """Whether a feed file holds advisories of `ecosystem`. Hand-written: the feeds'
    layouts say it only in their paths (an OSV archive per ecosystem family, an Alpine
    secdb file per release, the Debian tracker and DSA/DLA lists for every release, a
    vendor feed's file per release)."""
    if feed == "osv":
        held = unquote(path.split("/", 1)[0])
    elif feed.startswith("debian-"):
        held = "Debian"
    elif feed == "alpine-secdb":
        held = f"Alpine:{path.split('/', 1)[0]}"
    elif feed in _RELEASE_FILES:
        held = _RELEASE_FILES[feed](path)
    elif feed in _WHOLE_FILES:
        held = _WHOLE_FILES[feed]
    else:
        return False
    return ecosystem == held or ecosystem.startswith(f"{held}:")
