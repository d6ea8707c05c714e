"""The lifecycle snapshot: release cycles and their support dates, as plain data.

The snapshot is a dated JSON file (format in docs/five-questions.md, "Lifecycle data").
One is bundled with the package; `dockwise db update` may later drop a refreshed copy
beside the vulnerability database, and that copy wins when it is valid and newer, so an
offline machine keeps working and an updated one stops using stale dates.

Field names follow endoflife.date's release records (`eoas`, `eol`, `eoes`, `lts`) so a
record can be compared with its upstream page by eye; the columns added from Debian's
distro-info-data keep their CSV names with `-` written as `_` (`eol_lts`, `eol_elts`,
`eol_esm`, `eol_legacy`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from dockwise.errors import DockwiseError
from dockwise.vulndb.paths import default_db_path

FORMAT = 1
BUNDLED = "lifecycle.json"
REFRESHED_NAME = "lifecycle.json"  # beside the vulnerability database, written by db update
# a date, or True ("already ended, date not published"), or False ("no end scheduled")
Milestone = date | bool | None
_MILESTONES = ("release", "eoas", "eol", "eoes", "eol_lts", "eol_elts", "eol_esm", "eol_legacy")


class LifecycleError(DockwiseError):
    """A lifecycle snapshot that cannot be used at all."""


@dataclass(frozen=True, slots=True)
class Cycle:
    """One release cycle ("12", "3.11", "22.04") and its milestones."""

    cycle: str
    codename: str = ""
    release: Milestone = None
    eoas: Milestone = None  # end of active support (bug fixes); security fixes go on
    eol: Milestone = None  # end of the vendor's regular (free) security support
    eoes: Milestone = None  # end of extended support (meaning depends on the product)
    eol_lts: Milestone = None  # Debian LTS (community)
    eol_elts: Milestone = None  # Debian ELTS (Freexian, commercial)
    eol_esm: Milestone = None  # Ubuntu ESM (Ubuntu Pro)
    eol_legacy: Milestone = None  # Ubuntu Legacy add-on
    lts: bool | date = False  # an LTS release (a date: LTS since then)
    latest: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Product:
    """A distribution or runtime, with its cycles newest first."""

    slug: str  # endoflife.date's product id: "debian", "alpine-linux", "nodejs"
    title: str
    kind: str  # "os" or "runtime"
    cycles: tuple[Cycle, ...]

    def find(self, cycle: str) -> Cycle | None:
        """The cycle named exactly `cycle` (or by that codename), if recorded."""
        wanted = cycle.lower()
        for item in self.cycles:
            if item.cycle.lower() == wanted or (item.codename and item.codename.lower() == wanted):
                return item
        return None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """All products of one snapshot, and where the snapshot came from."""

    generated: date
    origin: str  # "bundled" or the path of a refreshed copy
    sources: tuple[tuple[str, str], ...]
    products: dict[str, Product]

    def __hash__(self) -> int:  # a dict field; identity is enough for caching
        return id(self)


def refreshed_path(db_path: Path | None = None) -> Path:
    """Where a refreshed snapshot lives: beside the vulnerability database."""
    return (db_path or default_db_path()).parent / REFRESHED_NAME


def load_snapshot(refreshed: Path | None = None) -> Snapshot:
    """The refreshed copy when it is valid and not older than the bundled one, else bundled.

    `refreshed` defaults to `refreshed_path()`, where `dockwise db update` puts it.
    A broken refreshed copy is ignored rather than fatal: the bundled data still answers.
    """
    bundled = _bundled()
    path = refreshed if refreshed is not None else refreshed_path()
    if not path.is_file():
        return bundled
    try:
        fresh = _load_path(str(path), path.stat().st_mtime_ns)
    except (OSError, LifecycleError):
        return bundled
    return fresh if fresh.generated >= bundled.generated else bundled


def parse_snapshot(doc: object, origin: str) -> Snapshot:
    """Validate a decoded snapshot document; a LifecycleError says what is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LifecycleError(f"{origin}: not a lifecycle snapshot of format {FORMAT}")
    generated = _date(doc.get("generated"))
    products = doc.get("products")
    if not isinstance(generated, date) or not isinstance(products, dict):
        raise LifecycleError(f"{origin}: missing generated date or products")
    sources = doc.get("sources") if isinstance(doc.get("sources"), dict) else {}
    return Snapshot(
        generated=generated,
        origin=origin,
        sources=tuple(sorted((str(k), json.dumps(v, sort_keys=True)) for k, v in sources.items())),
        products={slug: _product(slug, body, origin) for slug, body in products.items()},
    )


@lru_cache(maxsize=1)
def _bundled() -> Snapshot:
    text = resources.files("dockwise.lifecycle").joinpath("data", BUNDLED).read_text("utf-8")
    return parse_snapshot(json.loads(text), "bundled")


@lru_cache(maxsize=4)
def _load_path(path: str, mtime_ns: int) -> Snapshot:
    """Keyed on the modification time so a `db update` during a long session is seen."""
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except ValueError as exc:
        raise LifecycleError(f"{path}: malformed JSON ({exc})") from None
    return parse_snapshot(doc, path)


def _product(slug: str, body: object, origin: str) -> Product:
    if not isinstance(body, dict) or not isinstance(body.get("cycles"), list):
        raise LifecycleError(f"{origin}: product {slug!r} has no cycles")
    cycles = tuple(_cycle(item) for item in body["cycles"] if isinstance(item, dict))
    return Product(slug, str(body.get("title", slug)), str(body.get("kind", "")), cycles)


def _cycle(item: dict) -> Cycle:
    milestones = {name: _milestone(item.get(name)) for name in _MILESTONES}
    lts = item.get("lts", False)
    return Cycle(
        cycle=str(item.get("cycle", "")),
        codename=str(item.get("codename") or ""),
        lts=_date(lts) or bool(lts) if lts is not None else False,
        latest=str(item.get("latest") or ""),
        sources=tuple(str(s) for s in item.get("sources", ())),
        **milestones,
    )


def _milestone(value: object) -> Milestone:
    if isinstance(value, bool):
        return value
    return _date(value)


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
