"""The apk installed database: Alpine, Wolfi, Chainguard, postmarketOS.

Format: https://wiki.alpinelinux.org/wiki/Apk_spec (section "Installed Database V2"):
blank-line separated records of `K:value` lines, one letter per key; `F:` opens a
directory and the `R:` lines after it are the files in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockwise.catalog.base import DEFAULT_MAX_SIZE, Environment, File
from dockwise.catalog.purls import os_purl
from dockwise.model import Package, ScanWarning

_LINE = re.compile(r"([A-Za-z]):(.*)")
_SPDX_OPERATOR = re.compile(r"\s(?:AND|OR|WITH)\s|[()]")
# Single-valued keys kept in metadata, by the name used there.
_METADATA_KEYS = {"c": "commit", "t": "build_time", "I": "installed_size", "U": "url"}


@dataclass(slots=True)
class Record:
    """One package's lines, in order (F and R repeat), and the lines that did not parse."""

    line: int
    pairs: list[tuple[str, str]] = field(default_factory=list)
    garbage: int = 0


def records(text: str) -> Iterator[Record]:
    """Split the database into records in one pass; damaged lines are counted, not fatal."""
    current: Record | None = None
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            if current is not None:
                yield current
            current = None
            continue
        if current is None:
            current = Record(number)
        if match := _LINE.fullmatch(line):
            current.pairs.append((match[1], match[2]))
        else:
            current.garbage += 1
    if current is not None:
        yield current


class ApkCataloger:
    """Alpine-family packages from `lib/apk/db/installed`."""

    name = "apk-db"
    globs = ("lib/apk/db/installed",)
    reads: tuple[str, ...] = ()
    max_size = DEFAULT_MAX_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        for record in records(file.text()):
            if record.garbage:
                yield _warning(f"{record.garbage} unreadable line(s)", record, file)
            if not record.pairs:
                continue
            fields = dict(record.pairs)  # the repeated keys (F, R, Z, a, M) are read below
            if fields.get("P") and fields.get("V"):
                yield _package(fields, record.pairs, env)
            else:
                yield _warning("record without P: or V: skipped", record, file)


def _package(fields: dict[str, str], pairs: list[tuple[str, str]], env: Environment) -> Package:
    name, version, arch = fields["P"], fields["V"], fields.get("A", "")
    origin = fields.get("o") or name
    distro = env.distro
    namespace = distro.id if distro and distro.id else "alpine"
    upstream = origin if origin != name else ""
    metadata = ((key, fields.get(letter, "")) for letter, key in _METADATA_KEYS.items())
    return Package(
        name=name,
        version=version,
        type="apk",
        purl=os_purl("apk", namespace, name, version, arch=arch, distro=distro, upstream=upstream),
        arch=arch,
        source_name=origin,
        source_version=version,  # apk builds every subpackage from its origin's version
        licenses=split_license(fields.get("L", "")),
        maintainer=fields.get("m", ""),
        files=_owned_files(pairs),
        metadata=tuple(sorted((k, v) for k, v in metadata if v)),
    )


def split_license(value: str) -> tuple[str, ...]:
    """An SPDX expression stays whole; older space-separated lists ("MIT BSD GPL2+") split."""
    value = value.strip()
    if not value:
        return ()
    if _SPDX_OPERATOR.search(value):
        return (value,)
    return tuple(value.split())


def _owned_files(pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """Directories (F) and files (R, relative to the last F), root-relative."""
    files: list[str] = []
    directory = ""
    for key, value in pairs:
        if key == "F":
            directory = value.strip("/")
            if directory:
                files.append(directory)
        elif key == "R":
            files.append(f"{directory}/{value}" if directory else value)
    return tuple(files)


def _warning(message: str, record: Record, file: File) -> ScanWarning:
    return ScanWarning(f"{message} (record at line {record.line})", file.path, file.layer)
