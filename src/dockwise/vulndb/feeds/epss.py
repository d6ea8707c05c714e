"""FIRST EPSS scores: `epss_scores-current.csv.gz`.

Format (https://www.first.org/epss/data_stats): gzip'd CSV whose first line is a comment,
`#model_version:v2025.03.14,score_date:2025-08-27T12:55:00Z`, then the header
`cve,epss,percentile`, then one row per CVE with both numbers in [0, 1].
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import zlib
from collections.abc import Iterator
from pathlib import Path

from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import EpssScore, FeedInfo, Record, Skipped

MAX_CSV_BYTES = 1 << 30  # the real file inflates to about 10 MiB


def parse(path: Path, name: str) -> Iterator[Record]:
    """Every score row; the model version and score date as FeedInfo."""
    try:
        with gzip.open(path, "rb") as raw:
            data = raw.read(MAX_CSV_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield Skipped(name, f"not a gzip file ({exc})")
        return
    if len(data) > MAX_CSV_BYTES:
        yield Skipped(name, "inflates beyond the size cap (gzip bomb?)")
        return
    lines = io.StringIO(data.decode("utf-8", errors="replace"))
    first = lines.readline()
    if first.startswith("#"):
        yield from _comment(first)
    else:
        lines.seek(0)
    yield from _rows(csv.DictReader(lines), name)


def _comment(line: str) -> Iterator[FeedInfo]:
    for part in line.lstrip("#").strip().split(","):
        key, _, value = part.partition(":")
        if key and value:
            yield FeedInfo(key.strip(), value.strip())


def _rows(reader: csv.DictReader, name: str) -> Iterator[Record]:
    for row in reader:
        try:
            yield _score(row)
        except (ValueError, TypeError, AttributeError) as exc:
            yield Skipped(f"{name}:{reader.line_num}", f"bad row ({exc})")


def _score(row: dict) -> EpssScore:
    score, percentile = float(row["epss"]), float(row["percentile"])
    cve = row["cve"].strip()
    if not cve or not all(0.0 <= v <= 1.0 and math.isfinite(v) for v in (score, percentile)):
        raise ValueError("missing cve or value outside [0, 1]")
    return EpssScore(cve, score, percentile)


FEED = Feed(
    name="epss",
    public_base="https://epss.empiricalsecurity.com/",
    mirror_dir="epss",
    paths=("epss_scores-current.csv.gz",),
    parse=parse,
)
