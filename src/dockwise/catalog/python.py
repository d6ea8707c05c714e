"""Installed Python distributions: `*.dist-info`, `*.egg-info` and unzipped `.egg` trees.

Formats: core metadata (RFC 822-style headers),
https://packaging.python.org/en/latest/specifications/core-metadata/;
the installed layout and `RECORD` (CSV of path, hash, size),
https://packaging.python.org/en/latest/specifications/recording-installed-packages/;
legacy `installed-files.txt` of setuptools egg-info,
https://setuptools.pypa.io/en/latest/deprecated/python_eggs.html.
Zipped `.egg` files are archives and belong to the archive analyzers.
"""

from __future__ import annotations

import base64
import csv
import io
import posixpath
import re
from collections.abc import Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.catalog.unowned import known_sha256
from dockwise.model import Package, ScanWarning
from dockwise.source.filetree import FileTree

# Syft's patterns: `*dist-info` also finds the unsuffixed directories some tools write.
_GLOBS = (
    "**/*dist-info/METADATA",
    "**/*egg-info/PKG-INFO",
    "**/*.egg-info",
    "**/EGG-INFO/PKG-INFO",
)
_HEADER = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*):[ \t]*(.*)")
_NOT_A_LICENSE = frozenset({"", "unknown", "none", "n/a"})
_LICENSE_CLASSIFIER = "License :: "
MAX_METADATA_SIZE = 8 * 1024 * 1024
# Where images move console scripts after `pip install` (Docker's default PATH).
SCRIPT_DIRS = ("usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin")


def normalize_name(name: str) -> str:
    """PEP 503: runs of `-`, `_` and `.` become one `-`, lower case; how pip matches names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_headers(text: str) -> tuple[dict[str, list[str]], int]:
    """Core-metadata headers by lower-cased name (repeatable), and the count of bad lines.

    Only the header block is read: the body after the first blank line is the
    long description, free text that may itself look like headers.
    """
    headers: dict[str, list[str]] = {}
    values: list[str] | None = None
    garbage = 0
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t" and values is not None:
            values[-1] += "\n" + line.strip()
        elif match := _HEADER.fullmatch(line.rstrip()):
            values = headers.setdefault(match[1].lower(), [])
            values.append(match[2])
        else:
            garbage += 1
    return headers, garbage


class PythonInstalledCataloger:
    """Distributions pip, setuptools or a distro installed into a site-packages tree."""

    name = "python-installed"
    globs = _GLOBS
    reads = ("**/*dist-info/RECORD", "**/*egg-info/installed-files.txt")
    max_size = MAX_METADATA_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return _parse_metadata(file, env)


def _parse_metadata(file: File, env: Environment) -> Iterator[Package | ScanWarning]:
    text, problem = _decode(file.content or b"")
    if problem:
        yield ScanWarning(problem, file.path, file.layer)
    headers, garbage = parse_headers(text)
    if garbage:
        yield ScanWarning(f"{garbage} unreadable header line(s)", file.path, file.layer)
    name, version = _first(headers, "name"), _first(headers, "version")
    if not name or not version:
        yield ScanWarning("metadata without Name or Version skipped", file.path, file.layer)
        return
    yield _package(name, version, headers, _files(file, env))


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 per the spec; old PKG-INFO files in Latin-1 still name their package."""
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("latin-1"), "metadata is not valid UTF-8; read as Latin-1"


def _first(headers: dict[str, list[str]], key: str) -> str:
    values = headers.get(key)
    return values[0].strip() if values else ""


def _package(
    name: str, version: str, headers: dict[str, list[str]], files: tuple[str, ...]
) -> Package:
    normalized = normalize_name(name)
    metadata = {
        "normalized_name": normalized,
        "author": _first(headers, "author"),
        "summary": _first(headers, "summary"),
    }
    return Package(
        name=name,
        version=version,
        type="pypi",
        purl=PackageURL(type="pypi", name=normalized, version=version).to_string(),
        licenses=licenses(headers),
        maintainer=supplier(headers),
        files=files,
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
    )


def supplier(headers: dict[str, list[str]]) -> str:
    """`Name <email>` of who publishes the dist: Maintainer, else Author (core metadata
    puts the name and the address in separate fields, or both in the `-email` one)."""
    import email.utils  # 9 ms of imports that an image without Python dists never needs

    for role in ("maintainer", "author"):
        name, address = email.utils.parseaddr(_first(headers, f"{role}-email"))
        name = name or _first(headers, role)
        if name and address:
            return f"{name} <{address}>"
        if name or address:
            return name or address
    return ""


def licenses(headers: dict[str, list[str]]) -> tuple[str, ...]:
    """PEP 639's License-Expression, else a one-line License, else the classifiers.

    A multi-line License field is usually the whole license text, not a name.
    """
    expression = _first(headers, "license-expression")
    if expression:
        return (expression,)
    license = _first(headers, "license")
    if license.lower() not in _NOT_A_LICENSE and "\n" not in license:
        return (license,)
    classifiers = [
        c.strip().rsplit(" :: ", 1)[-1]
        for c in headers.get("classifier", ())
        if c.startswith(_LICENSE_CLASSIFIER) and c.count("::") >= 2
    ]
    return tuple(dict.fromkeys(classifiers))


def _files(file: File, env: Environment) -> tuple[str, ...]:
    """Root-relative paths the distribution installed, from RECORD or installed-files.txt."""
    info_dir = posixpath.dirname(file.path)
    if file.path.endswith("/METADATA"):
        record = env.tree.read_bytes(f"{info_dir}/RECORD")
        # RECORD paths are relative to the directory holding the .dist-info.
        return _record_files(env.tree, posixpath.dirname(info_dir), _record_rows(record))
    if file.path.endswith("egg-info/PKG-INFO"):
        listing = env.tree.read_bytes(f"{info_dir}/installed-files.txt")
        lines = (listing or b"").decode("utf-8", "replace").splitlines()
        return _join_all(info_dir, [line.strip() for line in lines if line.strip()])
    return ()


def _record_rows(record: bytes | None) -> list[tuple[str, str]]:
    """(path, hash) pairs; the hash is `sha256=<urlsafe base64>` or empty."""
    if not record:
        return []
    rows = csv.reader(io.StringIO(record.decode("utf-8", "replace")))
    try:
        return [(row[0], row[1] if len(row) > 1 else "") for row in rows if row and row[0]]
    except csv.Error:
        return []  # a damaged RECORD loses the file list, not the package


def _record_files(tree: FileTree, site: str, rows: list[tuple[str, str]]) -> tuple[str, ...]:
    """Root-relative paths of RECORD's rows, a moved console script at its new place."""
    files: list[str] = []
    for path, digest in rows:
        for full in _join_all(site, [path]):
            moved = _moved(tree, full, digest) if path.startswith(("../", "/")) else ()
            files.extend(moved or (full,))
    return tuple(files)


def _moved(tree: FileTree, path: str, digest: str) -> tuple[str, ...]:
    """Where a file RECORD lists outside site-packages lives if not at its path: a file
    of the same name in a PATH directory with RECORD's hash. `pip install --target`
    records scripts as `../../bin/x` from its staging directory, and images move them;
    a name alone proves nothing (anyone can call a binary `django-admin`).
    """
    algorithm, _, expected = digest.partition("=")
    if algorithm != "sha256" or not expected or tree.entry(path) or tree.resolve(path):
        return ()
    name = posixpath.basename(path)
    found = (tree.lookup(f"{directory}/{name}") for directory in SCRIPT_DIRS)
    return tuple(
        dict.fromkeys(f.path for f in found if f and _record_hash(f) == expected.rstrip("="))
    )


def _record_hash(file: File) -> str:
    """The file's sha256 as RECORD writes it (urlsafe base64, unpadded), from the digest
    the layer pass took: only executables carry one, and nothing is read again."""
    hexdigest = known_sha256(file.facts)
    if not hexdigest:
        return ""
    return base64.urlsafe_b64encode(bytes.fromhex(hexdigest)).rstrip(b"=").decode()


def _join_all(base: str, paths: list[str]) -> tuple[str, ...]:
    """Paths relative to base as root-relative paths; ones that climb out are dropped."""
    joined = []
    for path in paths:
        full = posixpath.normpath(posixpath.join("/", base, path)).lstrip("/")
        if full and not full.startswith(".."):
            joined.append(full)
    return tuple(joined)
