"""Lifecycle data for `db update`: endoflife.date products and Debian's distro-info CSVs.

Unlike the vulnerability feeds these files are not rows in the database: they are
converted by `dockwise.lifecycle.feeds.build_snapshot` into the refreshed `lifecycle.json`
written beside it (docs/five-questions.md, "Lifecycle data"), which the support answers
then prefer to the bundled snapshot.

- endoflife.date API v1, one product per request: `GET
  https://endoflife.date/api/v1/products/<slug>/` (https://endoflife.date/docs/api/v1/);
  on a mirror `<mirror>/endoflife/<slug>.json`. MIT-licensed data.
- distro-info-data, Debian's own record of Debian and Ubuntu releases and support
  phases: the CSVs at the head of its git repository,
  `https://salsa.debian.org/debian/distro-info-data/-/raw/main/{debian,ubuntu}.csv`
  (the same files the `distro-info-data` package installs under /usr/share/distro-info);
  on a mirror `<mirror>/distro-info/{debian,ubuntu}.csv`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dockwise.lifecycle.feeds import FEED as LIFECYCLE
from dockwise.lifecycle.feeds import (
    build_snapshot,
    carry_over,
    from_api_v1,
    previous_document,
    write_refreshed,
)
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Document, Record, Skipped

ENDOFLIFE_API = "https://endoflife.date/api/v1/products/"
DISTRO_INFO_GIT = "https://salsa.debian.org/debian/distro-info-data/-/raw/main/"
CSV_COLUMNS = {"version", "codename", "series", "created", "release", "eol"}


def parse_product(path: Path, name: str) -> Iterator[Record]:
    """One endoflife.date API v1 product, converted to the record build_snapshot reads."""
    slug = name.removesuffix(".json")
    try:
        record = from_api_v1(json.loads(path.read_bytes()))
    except (ValueError, RecursionError) as exc:
        yield Skipped(name, f"not an endoflife.date API v1 product ({exc})")
        return
    yield Document("endoflife", slug, record, len(record["releases"]))


def parse_distro_info(path: Path, name: str) -> Iterator[Record]:
    """One distro-info-data CSV, kept as text; its header is checked here."""
    try:
        text = path.read_text("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        yield Skipped(name, f"not a distro-info CSV ({exc})")
        return
    header = set(reader.fieldnames or ())
    if not CSV_COLUMNS <= header:
        yield Skipped(name, f"not a distro-info CSV (columns {sorted(header)})")
        return
    yield Document("distro-info", name, text, len(rows))


def write_lifecycle(
    documents: Sequence[Document], db_path: Path, mirror: str | None, today: date | None = None
) -> Path | None:
    """Build and write `lifecycle.json` beside `db_path`; None when no product came.

    Without a single endoflife.date product (with releases) the current snapshot is kept
    as it is: distro-info alone would replace richer data with less. For the same reason
    a CSV is merged only into a product endoflife.date gave; products the download lacked
    are carried over whole from the snapshot in use (`carry_over`).
    """
    products = {d.name: d.body for d in documents if d.feed == ENDOFLIFE_FEED.name and d.count}
    csvs = {
        d.name: d.body
        for d in documents
        if d.feed == DISTRO_INFO_FEED.name and d.name.removesuffix(".csv") in products
    }
    if not products:
        return None
    today = today or datetime.now(UTC).date()
    doc = build_snapshot(products, csvs, today, _sources(mirror, products, csvs))  # type: ignore[arg-type]
    carry_over(doc, previous_document(db_path))
    return write_refreshed(doc, db_path)


def _sources(mirror: str | None, products: dict, csvs: dict) -> dict:
    fetched = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    base = f"{mirror.rstrip('/')}/" if mirror else ""
    sources = {"endoflife.date": {
        "url": f"{base}endoflife/" if mirror else ENDOFLIFE_API, "api": "v1",
        "fetched": fetched, "products": sorted(products), "license": "MIT",
    }}  # fmt: skip
    if csvs:
        sources["distro-info-data"] = {
            "url": f"{base}distro-info/" if mirror else DISTRO_INFO_GIT, "fetched": fetched,
            "files": sorted(csvs),
        }  # fmt: skip
    return sources


@dataclass(frozen=True, slots=True)
class ApiFeed(Feed):
    """A feed whose upstream URL is not the mirror path: `<slug>.json` on a mirror is
    `<base><slug>/` on the endoflife.date API."""

    def url(self, path: str, mirror: str | None) -> str:
        if mirror:
            return Feed.url(self, path, mirror)  # zero-argument super() fails with slots
        return f"{self.public_base}{path.removesuffix('.json')}/"


ENDOFLIFE_FEED = ApiFeed(
    name="endoflife",
    public_base=ENDOFLIFE_API,
    mirror_dir="endoflife",
    paths=tuple(f"{slug}.json" for slug in LIFECYCLE.products),
    parse=parse_product,
)
DISTRO_INFO_FEED = Feed(
    name="distro-info",
    public_base=DISTRO_INFO_GIT,
    mirror_dir="distro-info",
    paths=("debian.csv", "ubuntu.csv"),
    parse=parse_distro_info,
)
