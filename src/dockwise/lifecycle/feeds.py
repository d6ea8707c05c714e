"""Building and refreshing the lifecycle snapshot, for the build tool and `db update`.

Both `tools/build_lifecycle.py` (the bundled copy) and the `endoflife` and `distro-info`
feeds of `dockwise db update` (vulndb/feeds/endoflife.py) go through `build_snapshot`, so
the two can never disagree on the format. The inputs are endoflife.date product records,
either the YAML front matter of `products/*.md` (as in the corpus'
`lifecycle/endoflife.json`) or the API v1 response `GET /api/v1/products/<slug>/`
(https://endoflife.date/docs/api/v1/, converted by `from_api_v1`), and the two CSV files
of Debian's distro-info-data (`/usr/share/distro-info/{debian,ubuntu}.csv`). Only facts
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
from importlib import resources
from pathlib import Path

from dockwise.lifecycle.snapshot import (
    BUNDLED,
    FORMAT,
    REFRESHED_NAME,
    LifecycleError,
    parse_snapshot,
    refreshed_path,
)

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
# Vendors' own statements for distributions neither source lists (Azure Linux, Mariner),
# kept in the package: a small table with a citation per product (data/VENDOR_TABLE)
VENDOR_TABLE = "vendor-lifecycles.json"


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
        "https://endoflife.date/api/v1/products/<slug>/ (the same data; db update)",
        "Debian distro-info-data: /usr/share/distro-info/debian.csv, ubuntu.csv",
    ),
    products=OS_PRODUCTS + RUNTIME_PRODUCTS,
)


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
    vendors = vendor_table()
    for slug, record in vendors.items():
        if slug not in products:  # endoflife.date wins once it lists the product
            products[slug] = _product(record, "os", f"vendor:{slug}")
    cited = {slug: record.get("source", "") for slug, record in vendors.items()}
    return {
        "format": FORMAT,
        "generated": generated.isoformat(),
        "sources": {**(sources or {}), "vendor": cited},
        "products": products,
    }


def vendor_table() -> dict[str, dict]:
    """The bundled vendor table's products, by slug."""
    text = resources.files("dockwise.lifecycle").joinpath("data", VENDOR_TABLE).read_text("utf-8")
    return json.loads(text)["products"]


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


def from_api_v1(doc: object) -> dict:
    """An endoflife.date API v1 product response as the front-matter record we read.

    ref. https://endoflife.date/docs/api/v1/: `{"result": {"name", "label", "releases":
    [{"name", "codename", "releaseDate", "isLts", "ltsFrom", "isEoas", "eoasFrom",
    "isEol", "eolFrom", "isEoes", "eoesFrom", "latest": {"name", "date"}}]}}`.
    A ValueError says why `doc` is not one.
    """
    result = doc.get("result") if isinstance(doc, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("releases"), list):
        raise ValueError("no result.releases list")
    releases = [_api_release(item) for item in result["releases"] if isinstance(item, dict)]
    return {"title": str(result.get("label") or result.get("name") or ""), "releases": releases}


def previous_document(db_path: Path | None = None) -> dict:
    """The snapshot in use before a refresh, as a document: the refreshed copy when it is
    valid and not older than the bundled one (as `load_snapshot` chooses), else bundled."""
    text = resources.files("dockwise.lifecycle").joinpath("data", BUNDLED).read_text("utf-8")
    bundled = json.loads(text)
    try:
        fresh = json.loads(refreshed_path(db_path).read_text("utf-8"))
        parse_snapshot(fresh, "refreshed snapshot")
    except (OSError, ValueError, LifecycleError):
        return bundled
    return fresh if str(fresh["generated"]) >= str(bundled["generated"]) else bundled


def carry_over(doc: dict, previous: dict) -> list[str]:
    """Copy products the refresh lacked from `previous`, and say so in `sources`.

    A mirror or an upstream outage missing one product must not make the refreshed copy
    (which wins over the bundled one) forget that product's dates.
    """
    old = previous.get("products") or {}
    missing = [slug for slug in FEED.products if slug not in doc["products"] and slug in old]
    for slug in missing:
        doc["products"][slug] = old[slug]
    if missing:
        doc["sources"]["carried-over"] = {"from": previous.get("generated", ""),
                                          "products": missing}  # fmt: skip
    return missing


def refreshed_status(db_path: Path | None = None) -> dict | None:
    """What `db status` shows about the refreshed copy; None when there is none."""
    path = refreshed_path(db_path)
    if not path.is_file():
        return None
    try:
        snapshot = parse_snapshot(json.loads(path.read_text("utf-8")), str(path))
    except (OSError, ValueError, LifecycleError) as exc:
        return {"path": str(path), "error": str(exc)}
    return {
        "path": str(path),
        "generated": snapshot.generated.isoformat(),
        "products": len(snapshot.products),
        "sources": [name for name, _ in snapshot.sources],
    }


def _api_release(item: dict) -> dict:
    """API v1 flags and dates as front-matter values: a date, else true/false."""
    out = {"releaseCycle": item.get("name"), "codename": item.get("codename"),
           "releaseDate": item.get("releaseDate")}  # fmt: skip
    for key in ("eoas", "eol", "eoes"):
        flag = f"is{key.capitalize()}"  # isEoas, isEol, isEoes: absent when not tracked
        if flag in item:
            out[key] = item.get(f"{key}From") or bool(item[flag])
    if item.get("isLts"):
        out["lts"] = item.get("ltsFrom") or True
    latest = item.get("latest")
    if isinstance(latest, dict):
        out["latest"] = latest.get("name")
    return out


def _product(record: dict, kind: str, source: str = "endoflife.date") -> dict:
    if "result" in record:
        record = from_api_v1(record)
    releases = record.get("releases", [])
    cycles = [_release(item, source) for item in releases if isinstance(item, dict)]
    return {"title": record.get("title", ""), "kind": kind, "cycles": cycles}


def _release(item: dict, source: str) -> dict:
    out = {new: item[old] for old, new in _KEPT.items() if item.get(old) not in (None, "")}
    out["cycle"] = str(out.get("cycle", ""))
    if "latest" in out:
        out["latest"] = str(out["latest"])
    out["sources"] = [source]
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
