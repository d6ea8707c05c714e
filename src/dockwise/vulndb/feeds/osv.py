"""OSV per-ecosystem archives: `<ECOSYSTEM>/all.zip`, one `<ID>.json` per advisory.

Layout of the public bucket: https://google.github.io/osv.dev/data/#data-dumps
Record format: https://ossf.github.io/osv-schema/ (kept as is: withdrawn, aliases,
severity vectors, database_specific.severity).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

# The list; the bucket's names (https://osv-vulnerabilities.storage.googleapis.com/ecosystems.txt).
ECOSYSTEMS = (
    "Debian", "Ubuntu", "Alpine", "Rocky Linux", "AlmaLinux", "Red Hat", "SUSE", "openSUSE",
    "Wolfi", "Chainguard", "PyPI", "npm", "Go", "crates.io", "RubyGems", "Maven", "Packagist",
    "NuGet",
)  # fmt: skip

# Caps against hostile archives (zip bombs, giant entries). Real records are well under
# 1 MiB; a real all.zip (Debian, the largest) inflates to about 2 GiB.
MAX_ENTRY_BYTES = 16 << 20
MAX_ARCHIVE_BYTES = 16 << 30
MAX_ENTRIES = 2_000_000
MAX_RATIO = 200  # uncompressed/compressed; JSON deflates ~10x, bombs ~1000x
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


def parse(path: Path, name: str) -> Iterator[Record]:
    """Every advisory in one `all.zip`; bad entries and bombs become `Skipped`."""
    source = f"osv:{unquote(name.split('/', 1)[0])}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Skipped(name, f"not a readable zip archive ({exc})")
        return
    with archive:
        yield from _entries(archive, name, source)


def _entries(archive: zipfile.ZipFile, name: str, source: str) -> Iterator[Record]:
    infos = [i for i in archive.infolist() if i.filename.endswith(".json")]
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
        yield Skipped(name, "archive too large once inflated; refusing it (zip bomb?)")
        return
    for info in infos:
        problem = _entry_problem(info)
        if problem:
            yield Skipped(f"{name}:{info.filename}", problem)
            continue
        yield _entry(archive, info, name, source)


def _entry_problem(info: zipfile.ZipInfo) -> str:
    if info.file_size > MAX_ENTRY_BYTES:
        return f"entry of {info.file_size} bytes is over the {MAX_ENTRY_BYTES} cap"
    if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "entry compresses suspiciously well (zip bomb?)"
    return ""


def _entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, source: str) -> Record:
    where = f"{name}:{info.filename}"
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_ENTRY_BYTES + 1)  # the declared size may lie
        if len(data) > MAX_ENTRY_BYTES:
            return Skipped(where, "entry inflates beyond its declared size")
        return advisory(json.loads(data), source)
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError) as exc:
        return Skipped(where, f"unreadable entry ({exc})")
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        return Skipped(where, f"malformed record ({exc})")


def advisory(record: object, source: str) -> Advisory:
    """One OSV record as an Advisory; ValueError when it is not a usable record."""
    body = j.obj(record, "record")
    ident = j.text(body, "id")
    if not ident:
        raise ValueError("record has no id")
    aliases = j.texts(body, "aliases") + j.texts(body, "upstream")
    return Advisory(
        id=ident,
        source=source,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != ident)),
        related=j.texts(body, "related"),
        summary=j.text(body, "summary"),
        details=first_sentence(j.text(body, "details")),
        published=j.text(body, "published"),
        modified=j.text(body, "modified"),
        withdrawn=j.text(body, "withdrawn"),
        cvss=tuple((j.text(s, "type"), j.text(s, "score")) for s in j.objs(body, "severity")),
        severity=_severity_in(body, "database_specific"),
        affected=tuple(_affected(a) for a in j.objs(body, "affected")),
        references=tuple(j.text(r, "url") for r in j.objs(body, "references")),
    )


def _affected(body: dict) -> Affected:
    package = j.obj(body.get("package"), "affected.package")
    return Affected(
        ecosystem=j.text(package, "ecosystem"),
        package=j.text(package, "name"),
        purl=j.text(package, "purl"),
        ranges=tuple(_range(r) for r in j.objs(body, "ranges")),
        versions=j.texts(body, "versions"),
        severity=_severity_in(body, "ecosystem_specific", "database_specific"),
    )


def _range(body: dict) -> Range:
    events = []
    for event in j.objs(body, "events"):
        for kind in EVENT_KINDS:
            if kind in event:
                events.append((kind, j.text(event, kind)))
    return Range(j.text(body, "type"), tuple(events))


def _severity_in(body: dict, *keys: str) -> str:
    """A plain rating from `<key>.severity`: GHSA's "HIGH"/"MODERATE", a distro's own."""
    for key in keys:
        specific = body.get(key)
        value = specific.get("severity") if isinstance(specific, dict) else None
        if isinstance(value, str):
            return value
    return ""


FEED = Feed(
    name="osv",
    public_base="https://osv-vulnerabilities.storage.googleapis.com/",
    mirror_dir="osv",
    paths=tuple(f"{quote(eco)}/all.zip" for eco in ECOSYSTEMS),
    parse=parse,
)
