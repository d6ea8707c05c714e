"""`dockwise db status`: what the database holds and how old it is.

Age warns and never refuses: a stale database is still better than none in an
air-gapped network, and the operator decides (the opposite of trivy#3194's hard stop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dockwise.lifecycle.feeds import refreshed_status
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.store import VulnDb

DEFAULT_MAX_AGE = "7d"
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


@dataclass(frozen=True, slots=True)
class DbStatus:
    """A summary of one database file."""

    path: Path
    size: int
    built: str
    age_seconds: float | None  # None when the build date is unreadable
    meta: dict[str, str]
    counts: dict[str, int]
    feeds: list[dict]
    lifecycle: dict | None = None  # the refreshed lifecycle.json beside it, if any

    @property
    def partial(self) -> bool:
        return self.meta.get("partial") == "true"

    def stale(self, max_age_seconds: float) -> bool:
        return self.age_seconds is None or self.age_seconds > max_age_seconds


def read_status(path: Path, now: datetime | None = None) -> DbStatus:
    """Read the summary; VulnDbError when there is no usable database."""
    with VulnDb(path) as db:
        meta, counts, feeds = dict(db.meta), db.counts(), db.feeds()
    built = meta.get("built", "")
    size, age = path.stat().st_size, age_of(built, now)
    return DbStatus(path, size, built, age, meta, counts, feeds, refreshed_status(path))


def age_of(iso: str, now: datetime | None = None) -> float | None:
    """Seconds since an ISO 8601 UTC time, or None when it cannot be read."""
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return ((now or datetime.now(UTC)) - then).total_seconds()


def parse_max_age(text: str, flag: str = "--max-age") -> float:
    """`7d`, `36h`, `90m`, `2w` or a bare number of days, in seconds."""
    match = _AGE.match(text)
    if not match:
        raise VulnDbError(f"{flag} {text!r}: expected e.g. 7d, 36h, 2w")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def describe_counts(counts: dict[str, int]) -> str:
    """What the database holds, in the same words wherever it is said (`db update`,
    `db status`, a scan's first run): advisories are stored records, not feed lines."""
    return (
        f"{counts['advisories']} advisories, {counts['affects']} package entries, "
        f"{counts['kev']} KEV, {counts['epss']} EPSS"
        + (f", {counts['nvd']} NVD CVEs" if "nvd" in counts else "")
    )


def human_age(seconds: float | None) -> str:
    """`3 days`, `5 hours`, `12 minutes`; `unknown age` when there is no date."""
    if seconds is None:
        return "unknown age"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"
