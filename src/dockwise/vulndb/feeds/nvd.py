"""NVD's CVE records: the JSON 2.0 feeds, one `nvdcve-2.0-<YEAR>.json.gz` per year of the
CVE id (2002 holds 1999 to 2002) and `nvdcve-2.0-modified.json.gz`, the last eight days'
changes, which the database keeps over the yearly copy when it is newer.

Feeds: https://nvd.nist.gov/vuln/data-feeds (the "2.0 JSON Feeds", /feeds/json/cve/2.0/).
Format: the CVE API 2.0 response, https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema:
{resultsPerPage, startIndex, totalResults, format: "NVD_CVE", version: "2.0", timestamp,
vulnerabilities: [{cve: {id, published, lastModified, vulnStatus, descriptions: [{lang,
value}], metrics: {cvssMetricV40|V31|V30|V2: [{source, type: Primary|Secondary, cvssData:
{version, vectorString, baseScore, ...}}]}, weaknesses: [{source, type, description:
[{lang, value: "CWE-79"}]}], references, configurations}}]}.

Only what a finding needs is kept: CVSS vectors and scores, CWE ids, the published date
and the first sentence of the English description; the CPE `configurations`, most of a
real file, are dropped as the records stream past. A year's file inflates to hundreds of
MB, so it is read with ijson (a streaming parser, yajl in C) one record at a time, and
what one record may inflate to is capped: memory stays bounded whatever the file holds.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO

import ijson

from dockwise.model import Cvss
from dockwise.untrusted import JsonDepthGuard
from dockwise.vulndb.advisory import CveRecord
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

FIRST_YEAR = 2002  # NVD's first yearly file; it also holds the CVEs of 1999 to 2001
NVD_SOURCE = "nvd@nist.gov"  # the `source` of NVD's own (Primary) assessments
# The metrics keys of the 2.0 format and the CVSS version each holds.
METRICS = (
    ("cvssMetricV40", "4.0"),
    ("cvssMetricV31", "3.1"),
    ("cvssMetricV30", "3.0"),
    ("cvssMetricV2", "2.0"),
)
# Caps against hostile files. Real records stay under 2 MiB even with their CPE lists;
# the largest yearly file inflates to under 2 GiB.
MAX_RECORD_BYTES = 32 << 20
MAX_FILE_BYTES = 8 << 30
READ_SIZE = 64 << 10


class _TooLarge(ValueError):
    """The inflated file, or one record in it, passed its cap."""


class _CappedReader:
    """A file-like object over the inflated stream that checks what ijson reads: over
    MAX_FILE_BYTES in all, MAX_RECORD_BYTES since the last record was handed out, or
    nested past `untrusted.MAX_DEPTH`, it raises instead of reading on."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._depth = JsonDepthGuard()  # ijson's cost grows with the square of the depth
        self.total = 0
        self.since_record = 0

    def read(self, size: int = READ_SIZE) -> bytes:
        if size == 0:  # ijson asks for nothing first, to learn bytes from text
            return b""
        data = self._raw.read(min(size, READ_SIZE) if size > 0 else READ_SIZE)
        self.total += len(data)
        self.since_record += len(data)
        if self.total > MAX_FILE_BYTES:
            raise _TooLarge(f"inflates beyond {MAX_FILE_BYTES} bytes (gzip bomb?)")
        if self.since_record > MAX_RECORD_BYTES:
            raise _TooLarge(f"a record larger than {MAX_RECORD_BYTES} bytes")
        self._depth.feed(data)
        return data


def parse(path: Path, name: str) -> Iterator[Record]:
    """Every record of one feed file; malformed records and broken files are `Skipped`."""
    count = 0
    try:
        with gzip.open(path, "rb") as raw:
            reader = _CappedReader(raw)
            for item in ijson.items(reader, "vulnerabilities.item", use_float=True):
                reader.since_record = 0
                yield _record(item, f"{name}:vulnerabilities[{count}]")
                count += 1
    except (OSError, EOFError, zlib.error, ijson.JSONError, ValueError) as exc:
        # ijson's errors name a byte offset, never the file's contents.
        yield Skipped(name, f"unreadable after {count} records ({_one_line(exc)})")


def _record(item: object, where: str) -> Record:
    try:
        return cve_record(item)
    except ValueError as exc:
        return Skipped(where, str(exc))


def cve_record(item: object) -> CveRecord:
    """One `vulnerabilities[]` entry as a CveRecord; ValueError when it is unusable."""
    cve = j.obj(j.obj(item, "vulnerability").get("cve"), "cve")
    ident = j.text(cve, "id")
    if not ident.startswith("CVE-"):
        raise ValueError(f"record without a CVE id ({ident[:40]!r})")
    return CveRecord(
        id=ident,
        published=j.text(cve, "published"),
        modified=j.text(cve, "lastModified"),
        description=first_sentence(_english(j.objs(cve, "descriptions"))),
        cwes=_cwes(j.objs(cve, "weaknesses")),
        cvss=tuple(_cvss(j.obj(cve.get("metrics") or {}, "metrics"))),
    )


def _english(descriptions: list[dict]) -> str:
    return next((j.text(d, "value") for d in descriptions if j.text(d, "lang") == "en"), "")


def _cwes(weaknesses: list[dict]) -> tuple[str, ...]:
    """CWE ids, NVD's own first; `NVD-CWE-Other` and `NVD-CWE-noinfo` say nothing."""
    ordered = sorted(weaknesses, key=lambda w: j.text(w, "type") != "Primary")
    ids = (j.text(d, "value") for w in ordered for d in j.objs(w, "description"))
    return tuple(dict.fromkeys(i for i in ids if i.startswith("CWE-")))


def _cvss(metrics: dict) -> Iterator[Cvss]:
    """Every assessment, newest CVSS version first; NVD's own as source "nvd", a CNA's
    (type Secondary) as "nvd:<its source>"."""
    for key, version in METRICS:
        for metric in j.objs(metrics, key):
            data = j.obj(metric.get("cvssData"), f"{key}.cvssData")
            vector = j.text(data, "vectorString")
            if not vector:
                continue
            source = j.text(metric, "source")
            primary = j.text(metric, "type") == "Primary" or source == NVD_SOURCE
            yield Cvss("nvd" if primary else f"nvd:{source}", version, vector, _score(data))


def _score(data: dict) -> float | None:
    score = data.get("baseScore")
    if isinstance(score, int | float) and not isinstance(score, bool):
        value = float(score)
        return value if math.isfinite(value) and 0.0 <= value <= 10.0 else None
    return None


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _paths(last_year: int) -> tuple[str, ...]:
    """Every year's file, then `modified`, which is read last so its newer copies win."""
    years = range(FIRST_YEAR, last_year + 1)
    return (*(f"nvdcve-2.0-{year}.json.gz" for year in years), "nvdcve-2.0-modified.json.gz")


FEED = Feed(
    name="nvd",
    public_base="https://nvd.nist.gov/feeds/json/cve/2.0/",
    mirror_dir="nvd",
    paths=_paths(date.today().year),
    parse=parse,
)
