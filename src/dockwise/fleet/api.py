"""The one place the fleet reaches into dockwise: scanning, the result codec, matching.

The fleet sits on dockwise's public API (STYLE.md §11): scans go through `dockwise.scan`
and results through the one codec (`model_json`). What the public API does not offer yet
(a source's digest without reading its layers, matching an inventory against a database,
a release's end of life, the database's identity, `outdated`'s comparison with the
distribution's archive) is called here and nowhere else, so the day the API grows it,
only this file changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from dockwise.build.distro import image_release
from dockwise.build.outdated import Installed, Upgrade, compare_with_archive
from dockwise.checks.base import Target
from dockwise.checks.lifecycle import LifecycleChecker
from dockwise.checks.vulns import VulnerabilityChecker
from dockwise.globs import glob_regex
from dockwise.model import (
    OS_PACKAGE_TYPES,
    SEVERITIES,
    Distro,
    Finding,
    ImageInfo,
    Inventory,
    LayerRef,
    Package,
    ScanResult,
    Severity,
)
from dockwise.model_json import SCHEMA_ID, from_json, is_saved_result, to_json
from dockwise.options import RegistryAccess, registry_access
from dockwise.report.html import SEVERITY_COLOURS, Bar, bar_chart, render_page
from dockwise.report.markdown import md as markdown_cell
from dockwise.source import open_source
from dockwise.source.registry.catalog import current_digest, repositories, tag_digests, tags
from dockwise.source.registry.reference import Reference
from dockwise.untrusted import load_json
from dockwise.vulndb.advisory import AdvisorySource
from dockwise.vulndb.fetch import _retry_after as retry_after  # one reading of Retry-After
from dockwise.vulndb.store import VulnDb

OS_TYPES = tuple(sorted(OS_PACKAGE_TYPES))  # a sequence, as SQL's IN (...) wants
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"

__all__ = [
    "OS_TYPES", "AdvisorySource", "Distro", "Finding", "Package", "ScanResult", "Severity",
    "Release", "Saved", "decode_result", "encode_result", "end_of_life", "image_digest",
    "is_saved_result", "lookup_keys", "match", "open_advisories", "parse_reference",
    "read_saved", "release_of", "retry_after", "scan", "RegistryAccess", "glob_regex",
    "manifest_digest", "registry_access", "repositories", "tag_digests", "tags", "SEVERITIES",
    "SEVERITY_COLOURS", "Bar", "bar_chart", "render_page", "markdown_cell",
    "Installed", "Upgrade", "compare_with_archive", "archive_sources",
]  # fmt: skip


def scan(source: str, db: Path, keywords: dict[str, Any]) -> ScanResult:
    """`dockwise.scan` of one source against the database at `db`, nothing suppressed;
    `keywords` are the public API's (platform, no_cache, offline, username, ...)."""
    import dockwise

    return dockwise.scan(source, db=db, quiet=True, **keywords)


# the scan keywords that say how to reach a registry (registry_access's parameters)
REGISTRY_KEYWORDS = ("username", "password", "insecure_registry", "ca_cert", "offline")


def image_digest(source: str, keywords: dict[str, Any]) -> str:
    """The source's manifest (else config) digest, read without reading its layers; ""
    for a source that has neither (a directory, an SBOM)."""
    registry = {k: v for k, v in keywords.items() if k in REGISTRY_KEYWORDS}
    access = registry_access(**registry)
    info = open_source(source, keywords.get("platform"), access).info
    return info.manifest_digest or info.config_digest


def manifest_digest(reference: str, access: RegistryAccess) -> str:
    """The digest of what `reference` names in its registry now (a manifest or an
    index): one HEAD of the manifest, no config, no layer."""
    return current_digest(Reference.parse(reference), access)


def encode_result(result: ScanResult) -> bytes:
    """The JSON codec's document for a result, compact (what the file store keeps):
    without `indent`, the json module's C encoder does the work, ten times faster."""
    return json.dumps(to_json(result), ensure_ascii=True, separators=(",", ":")).encode()


def decode_result(data: bytes | str, name: str) -> ScanResult:
    """A result from the JSON codec's bytes; anything else is a one-line error."""
    from dockwise.errors import ReportError

    try:
        document = load_json(data)
    except ValueError as exc:  # DocumentError, and bytes that are not UTF-8
        raise ReportError(f"{name}: {exc}") from None
    return from_json(document, name)


class SavedLayer(msgspec.Struct, frozen=True, gc=False):
    index: int
    diff_id: str = ""
    digest: str = ""
    size: int = 0
    uncompressed_size: int = 0
    tar_size = property(LayerRef.tar_size.fget)  # the model's own rule, not a copy


class SavedLayerIndex(msgspec.Struct, frozen=True, gc=False):
    index: int


class SavedLocation(msgspec.Struct, frozen=True, gc=False):
    layer: SavedLayerIndex | None = None


class SavedPackage(msgspec.Struct, frozen=True, gc=False):
    name: str
    version: str
    type: str
    purl: str = ""
    source_name: str = ""
    source_version: str = ""
    owned_by: str = ""
    location: SavedLocation | None = None
    key = property(Package.key.fget)  # the model's own identity, not a copy

    @property
    def layer(self) -> int | None:
        return self.location.layer.index if self.location and self.location.layer else None


class SavedDistro(msgspec.Struct, frozen=True, gc=False):
    id: str = ""
    version_id: str = ""
    codename: str = ""


class SavedRunConfig(msgspec.Struct, frozen=True):
    labels: dict[str, str] = {}


class SavedImage(msgspec.Struct, frozen=True):
    manifest_digest: str = ""
    config_digest: str = ""
    repo_tags: tuple[str, ...] = ()
    os: str = ""
    architecture: str = ""
    created: str = ""
    layers: tuple[SavedLayer, ...] = ()
    annotations: dict[str, str] = {}
    config: SavedRunConfig | None = None


class SavedTool(msgspec.Struct, frozen=True):
    version: str = ""


class Saved(msgspec.Struct, frozen=True):
    """What the fleet stores of a saved result (`dockwise-sbom/1`): the image's facts,
    distro and packages. Findings, files and answers are left unread: the fleet makes
    its own findings, and the whole bytes go to the file store as they are."""

    schema: str
    image: SavedImage
    tool: SavedTool = SavedTool()
    generated: str = ""
    distro: SavedDistro | None = None
    packages: tuple[SavedPackage, ...] = ()

    @property
    def base(self) -> tuple[str, str]:
        """(name, digest) of the base image, from the manifest's annotations, else the
        config's labels (the OCI image spec's keys; `docker buildx` and `dockwise build`
        write them); ("", "") when the image does not say."""
        labels = self.image.config.labels if self.image.config else {}
        for names in (self.image.annotations, labels):
            if names.get(BASE_NAME):
                return names[BASE_NAME], names.get(BASE_DIGEST, "")
        return "", ""


_SAVED = msgspec.json.Decoder(Saved)


def read_saved(data: bytes, name: str) -> Saved:
    """The fleet's part of the JSON codec's bytes, decoded and type-checked in one pass
    by msgspec (about ten times the codec's full decode, which builds every finding and
    package object only for the fleet to drop most of it); bad input is one line."""
    from dockwise.errors import ReportError

    try:
        saved = _SAVED.decode(data)
    except msgspec.ValidationError as exc:
        raise ReportError(f"{name}: not a saved dockwise result ({exc})") from None
    except msgspec.DecodeError as exc:
        raise ReportError(f"{name}: invalid JSON ({exc})") from None
    except RecursionError:
        raise ReportError(f"{name}: invalid JSON (nested too deep)") from None
    if saved.schema != SCHEMA_ID:
        raise ReportError(f"{name}: not a saved dockwise result (schema {saved.schema!r})")
    return saved


def open_advisories(db: Path) -> VulnDb:
    """The vulnerability database at `db`, read-only, as a context manager."""
    return VulnDb(db)


def match(
    distro: Distro | None, packages: Sequence[Package], advisories: AdvisorySource
) -> list[Finding]:
    """The vulnerability findings of these packages on this distro release: the same
    checker `scan` runs, so a fleet finding is exactly a scan's finding."""
    target = _target(distro, packages)
    return list(VulnerabilityChecker(advisories).check(target))


def lookup_keys(distro: Distro | None, package: Package) -> list[tuple[str, str]]:
    """The (ecosystem, package) index keys the matcher looks this package up under."""
    from dockwise.checks.vulns.ecosystems import os_ecosystems, queries
    from dockwise.vulndb.store import normalise_package

    found = queries(package, os_ecosystems(distro))
    return [(q.ecosystem, normalise_package(q.ecosystem, q.name)) for q in found]


def end_of_life(distro: Distro | None, today: date) -> str:
    """The release's end-of-life finding's title on `today`; "" while it is supported."""
    if distro is None:
        return ""
    findings = LifecycleChecker(today).check(_target(distro, ()))
    return "; ".join(f.title for f in findings if f.rule_id.endswith("-eol"))


def archive_sources(distro: Distro) -> tuple[str, ...]:
    """The release's suite, -updates and -security on its distribution's archive: what
    `outdated` reads without --sources; a one-line error for an archive not known."""
    return image_release(distro)[1]


def _target(distro: Distro | None, packages: Iterable[Package]) -> Target:
    """A checker's target with only an inventory: no image was read for it."""
    return Target(ImageInfo(source="fleet", scheme="fleet"), Inventory(distro, tuple(packages)))


def parse_reference(text: str) -> Reference | None:
    """A registry reference in `text` (`debian:12`, `registry:host/repo:tag`), or None."""
    from dockwise.errors import SourceError

    text = text.removeprefix("registry:")
    try:
        return Reference.parse(text)
    except SourceError:
        return None


@dataclass(frozen=True, slots=True)
class Release:
    """One vulnerability database release, as the fleet records it."""

    digest: str  # over the feed files' own sha256: the same feeds are the same release
    built: str
    counts: dict


def release_of(db: VulnDb) -> Release:
    """The release identity and counts of an open database."""
    feeds = sorted((row["feed"], row["path"], row["sha256"]) for row in db.feeds())
    digest = hashlib.sha256(json.dumps(feeds).encode()).hexdigest()
    per_feed: dict[str, int] = {}
    for row in db.feeds():
        per_feed[row["feed"]] = per_feed.get(row["feed"], 0) + int(row["records"])
    counts = {**db.counts(), "feeds": per_feed}
    return Release(f"sha256:{digest}", db.meta.get("built", ""), counts)
