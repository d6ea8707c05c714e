"""Building and refreshing the lifecycle snapshot, for the build tool and `db update`.

Both `tools/build_lifecycle.py` (the bundled copy) and a future endoflife.date feed in
`dockwise db update` go through `build_snapshot`, so the two can never disagree on the
format. The inputs are endoflife.date product records (the YAML front matter of
`products/*.md`, as in the corpus' `lifecycle/endoflife.json`) and the two CSV files of
Debian's distro-info-data (`/usr/share/distro-info/{debian,ubuntu}.csv`). Only facts
are kept: ids, cycles, codenames, versions and dates.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dockwise.lifecycle.snapshot import FORMAT, parse_snapshot
from dockwise.vulndb.paths import default_db_path

REFRESHED_NAME = "lifecycle.json"

# endoflife.date slug -> kind; the products the support answers can name
OS_PRODUCTS = (
    "debian", "ubuntu", "alpine-linux", "rhel", "centos", "centos-stream", "amazon-linux",
    "rocky-linux", "almalinux", "oracle-linux", "sles", "opensuse", "fedora", "vmware-photon",
)  # fmt: skip
RUNTIME_PRODUCTS = (
    "python", "nodejs", "go", "ruby", "php", "dotnet", "eclipse-temurin", "oracle-jdk",
    "amazon-corretto", "microsoft-build-of-openjdk", "red-hat-build-of-openjdk", "azul-zulu",
)  # fmt: skip
# endoflife.date release keys kept, and the snapshot's name for each
_KEPT = {
    "releaseCycle": "cycle", "codename": "codename", "releaseDate": "release", "eoas": "eoas",
    "eol": "eol", "eoes": "eoes", "lts": "lts", "latest": "latest",
}  # fmt: skip
# distro-info-data CSV columns kept (their names, `-` as `_`)
_CSV_DATES = ("release", "eol", "eol-lts", "eol-elts", "eol-esm", "eol-legacy")
_CSV_PRODUCT = {"debian.csv": "debian", "ubuntu.csv": "ubuntu"}


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What `dockwise db update` needs to know to refresh the snapshot."""

    name: str
    filename: str  # written into the database directory
    format: int
    upstream: tuple[str, ...]  # where the facts come from
    products: tuple[str, ...]


FEED = FeedInfo(
    name="lifecycle",
    filename=REFRESHED_NAME,
    format=FORMAT,
    upstream=(
        "https://github.com/endoflife-date/endoflife.date (products/*.md front matter, MIT)",
        "Debian distro-info-data: /usr/share/distro-info/debian.csv, ubuntu.csv",
    ),
    products=OS_PRODUCTS + RUNTIME_PRODUCTS,
)


def refreshed_path(db_path: Path | None = None) -> Path:
    """Where a refreshed snapshot lives: beside the vulnerability database."""
    return (db_path or default_db_path()).parent / REFRESHED_NAME


def build_snapshot(
    endoflife: dict,
    distro_info: dict[str, str],
    generated: date,
    sources: dict | None = None,
) -> dict:
    """The snapshot document from endoflife.date products and distro-info CSV texts.

    `endoflife` maps slugs to product records; `distro_info` maps "debian.csv" and
    "ubuntu.csv" to their text. distro-info-data wins where both give a date, because it
    is the distributions' own record; each cycle lists which sources it came from.
    """
    products = {}
    for slug in FEED.products:
        if slug in endoflife:
            kind = "os" if slug in OS_PRODUCTS else "runtime"
            products[slug] = _product(endoflife[slug], kind)
    for name, text in distro_info.items():
        slug = _CSV_PRODUCT.get(name)
        if slug:
            product = products.setdefault(slug, {"title": slug.title(), "kind": "os", "cycles": []})
            _merge_csv(product, text, name)
    return {
        "format": FORMAT,
        "generated": generated.isoformat(),
        "sources": sources or {},
        "products": products,
    }


def write_refreshed(doc: dict, db_path: Path | None = None) -> Path:
    """Validate `doc` and write it atomically where `load_snapshot` looks for it."""
    parse_snapshot(doc, "refreshed snapshot")
    target = refreshed_path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".lifecycle-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, sort_keys=True, separators=(",", ":"))
    os.replace(tmp, target)
    return target


def _product(record: dict, kind: str) -> dict:
    cycles = [_release(item) for item in record.get("releases", []) if isinstance(item, dict)]
    return {"title": record.get("title", ""), "kind": kind, "cycles": cycles}


def _release(item: dict) -> dict:
    out = {new: item[old] for old, new in _KEPT.items() if item.get(old) not in (None, "")}
    out["cycle"] = str(out.get("cycle", ""))
    if "latest" in out:
        out["latest"] = str(out["latest"])
    out["sources"] = ["endoflife.date"]
    return out


def _merge_csv(product: dict, text: str, name: str) -> None:
    """Add (or override) dates from a distro-info CSV row onto the matching cycle."""
    by_cycle = {c["cycle"]: c for c in product["cycles"]}
    for row in csv.DictReader(io.StringIO(text)):
        cycle = _csv_cycle(row)
        if not cycle:
            continue  # sid, experimental: no version, no support dates
        entry = by_cycle.get(cycle)
        if entry is None:
            entry = by_cycle[cycle] = {"cycle": cycle, "codename": row["codename"], "sources": []}
            product["cycles"].append(entry)
        for column in _CSV_DATES:
            if row.get(column):
                entry[column.replace("-", "_")] = row[column]
        if row.get("version", "").endswith(" LTS"):
            entry["lts"] = True
        entry["sources"] = sorted({*entry.get("sources", []), f"distro-info-data:{name}"})
    product["cycles"].sort(key=_cycle_order, reverse=True)


def _csv_cycle(row: dict) -> str:
    """Turn "24.04 LTS" into "24.04"; a row without a version (sid) gives ""."""
    return (row.get("version") or "").replace(" LTS", "").strip()


def _cycle_order(entry: dict) -> tuple:
    return (str(entry.get("release", "")), entry["cycle"])
