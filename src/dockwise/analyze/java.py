"""Java archives: which Maven artifacts a jar, war or ear is, and which it embeds.

Formats: the JAR File Specification
(https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html) for
`META-INF/MANIFEST.MF`, and Maven's `META-INF/maven/<group>/<artifact>/pom.properties`
(https://maven.apache.org/shared/maven-archiver/). Nested archives (a war's
`WEB-INF/lib/*.jar`, a Spring Boot jar's `BOOT-INF/lib/*.jar`) are opened to a bounded
depth, and every archive shares one budget of entries and inflated bytes, so a zip
bomb costs a warning, not the scan.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from dockwise.analyze import maven

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi", ".par")
MAX_SIZE = 512 * 1024 * 1024
MAX_DEPTH = 3  # the outer archive is depth 0; deeper archives are listed, not opened
MAX_INFLATED = 256 * 1024 * 1024  # bytes inflated across one outer archive and its nest
MAX_ENTRIES = 200_000  # zip entries across one outer archive and its nest
MAX_MEMBER = 64 * 1024 * 1024  # one nested archive inflated into memory
MAX_TEXT = 1024 * 1024  # a manifest or pom.properties
_POM_PROPERTIES = re.compile(r"META-INF/maven/[^/]+/[^/]+/pom\.properties\Z")


class ArchiveLimit(Exception):
    """A budget ran out: the rest of the archive is skipped with a warning."""


@dataclass(slots=True)
class _Budget:
    inflated: int = 0
    entries: int = 0
    warnings: list[str] = field(default_factory=list)

    def spend(self, entries: int = 0, inflated: int = 0) -> None:
        self.entries += entries
        self.inflated += inflated
        if self.entries > MAX_ENTRIES:
            raise ArchiveLimit(f"over {MAX_ENTRIES} zip entries (zip bomb?)")
        if self.inflated > MAX_INFLATED:
            raise ArchiveLimit(f"inflates to over {MAX_INFLATED} bytes (zip bomb?)")


class JavaArchiveAnalyzer:
    """Claims zip files named like Java archives."""

    name = "java-archive"
    globs = tuple(f"**/*{suffix}" for suffix in ARCHIVE_SUFFIXES)
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04") and path.lower().endswith(ARCHIVE_SUFFIXES)

    def analyze(self, path: str, content: bytes) -> object | None:
        budget = _Budget()
        artifacts = _archive(content, path.rsplit("/", 1)[-1], "", 0, budget)
        facts: dict[str, object] = {"artifacts": artifacts}
        if budget.warnings:
            facts["warnings"] = budget.warnings
        return facts


def _archive(data: bytes, name: str, inner: str, depth: int, budget: _Budget) -> list[dict]:
    """Artifacts of one archive (`inner` is its path inside the outer one), then nested."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            budget.spend(entries=len(infos))
            found = _identify(archive, infos, name, budget)
            for artifact in found:
                artifact["path"] = inner
            return found + _nested(archive, infos, inner, depth, budget)
    except ArchiveLimit as exc:
        budget.warnings.append(f"{inner or name}: {exc}; rest of the archive skipped")
    # zipfile raises NotImplementedError for a compression method it lacks: a hostile or
    # exotic archive, reported as a warning like any other unreadable one
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        budget.warnings.append(f"{inner or name}: not a readable zip ({exc})")
    return []


def _identify(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, budget: _Budget
) -> list[dict]:
    """This archive's own artifact first, then any it embeds (shaded jars)."""
    poms = [
        maven.parse_pom_properties(_read_text(archive, i, budget))
        for i in infos
        if _POM_PROPERTIES.match(i.filename)
    ]
    manifest_info = next((i for i in infos if i.filename.upper() == "META-INF/MANIFEST.MF"), None)
    manifest = maven.parse_manifest(_read_text(archive, manifest_info, budget))
    return maven.identify(name, [p for p in poms if p], manifest)


def _nested(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], inner: str, depth: int, budget: _Budget
) -> list[dict]:
    found: list[dict] = []
    try:
        _open_nested(archive, infos, inner, depth, budget, found)
    except ArchiveLimit as exc:
        budget.warnings.append(f"{inner or 'archive'}: {exc}; nested archives skipped")
    return found


def _open_nested(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    inner: str,
    depth: int,
    budget: _Budget,
    found: list[dict],
) -> None:
    for info in infos:
        if not info.filename.lower().endswith(ARCHIVE_SUFFIXES) or info.is_dir():
            continue
        path = f"{inner}/{info.filename}" if inner else info.filename
        if depth + 1 > MAX_DEPTH:
            budget.warnings.append(f"{path}: nested deeper than {MAX_DEPTH} archives; not opened")
            continue
        if info.file_size > MAX_MEMBER:
            budget.warnings.append(f"{path}: {info.file_size} bytes nested; not opened")
            continue
        data = _read(archive, info, MAX_MEMBER, budget)
        found.extend(_archive(data, info.filename.rsplit("/", 1)[-1], path, depth + 1, budget))


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, budget: _Budget) -> bytes:
    """Inflate one member, trusting neither its declared size nor its ratio."""
    with archive.open(info) as stream:
        data = stream.read(cap + 1)
    budget.spend(inflated=len(data))
    if len(data) > cap:
        raise ArchiveLimit(f"{info.filename} inflates to over {cap} bytes")
    return data


def _read_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, budget: _Budget) -> str:
    if info is None:
        return ""
    return _read(archive, info, MAX_TEXT, budget).decode("utf-8", "replace")
