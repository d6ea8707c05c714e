"""What lockfile and manifest catalogers share: loading hostile documents, and the
declared Package they report.

A declared package is what a build asked for, not what is on disk: `found_as` says so,
`dev=true` marks development-only dependencies (as the npm lockfile cataloger does), and
a version range stays out of `version` (kept as metadata `constraint`), so a range is
never matched as if it were an exact release.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dockwise.catalog.base import File
from dockwise.model import Package, ScanWarning
from dockwise.untrusted import load_json

if TYPE_CHECKING:  # annotations only
    from xml.etree.ElementTree import Element


class ManifestError(ValueError):
    """The document cannot be read at all; the message names what was wrong."""


def load_toml(file: File) -> dict:
    """The TOML document as a mapping; any decoding problem is a ManifestError."""
    try:
        return tomllib.loads((file.content or b"").decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestError("not UTF-8 text") from exc
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ManifestError(f"invalid TOML ({exc.__class__.__name__})") from exc


def load_json_object(file: File) -> dict:
    """The JSON document, which must be an object."""
    try:
        document = load_json(file.content or b"")
    except ValueError as exc:  # untrusted.DocumentError: bad, non-UTF-8 or too deep
        raise ManifestError(str(exc)) from exc
    if not isinstance(document, dict):
        raise ManifestError("not a JSON object")
    return document


def load_xml(file: File) -> Element:
    """The XML document's root. Parsed by defusedxml: an image's XML is hostile input, and
    entity expansion (billion laughs) or external entities must never be resolved; no
    manifest format needs a DTD, so one is refused outright."""
    # imported here: most images hold no XML manifest, and a cold `sbom` pays for imports
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        return fromstring(file.content or b"", forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise ManifestError(f"invalid XML ({exc.__class__.__name__})") from exc


def local_name(element: Element) -> str:
    """A tag without its namespace: MSBuild files may or may not declare one."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def unreadable(file: File, exc: ManifestError) -> ScanWarning:
    return ScanWarning(f"unreadable {file.path.rsplit('/', 1)[-1]}: {exc}", file.path, file.layer)


def declared_package(
    name: str, version: str, ptype: str, purl: str, *, dev: bool = False, **meta: str
) -> Package:
    """A Package found in a lockfile or manifest; empty metadata values are dropped."""
    meta["dev"] = "true" if dev else ""
    return Package(
        name=name,
        version=version,
        type=ptype,
        purl=purl,
        metadata=tuple(sorted((k, str(v)) for k, v in meta.items() if v)),
        found_as="declared",
    )


def fold_declared(packages: Sequence[Package]) -> list[Package]:
    """A declared package that is also installed (the same purl, qualifiers aside) is
    reported once, as installed, with the lockfile or manifest as extra evidence
    (metadata `declared_in`): a lockfile never doubles a count."""
    installed = {_identity(p): p for p in packages if p.found_as == "installed" and p.purl}
    declared_in: dict[str, set[str]] = {}
    kept = []
    for package in packages:
        twin = installed.get(_identity(package)) if package.found_as == "declared" else None
        if twin is None:
            kept.append(package)
        else:
            declared_in.setdefault(_identity(twin), set()).add(package.location.path)
    return [_with_evidence(p, declared_in.get(_identity(p))) if p.found_as == "installed"
            else p for p in kept]  # fmt: skip


def _identity(package: Package) -> str:
    return package.purl.split("?", 1)[0].split("#", 1)[0]


def _with_evidence(package: Package, paths: set[str] | None) -> Package:
    if not paths:
        return package
    meta = dict(package.metadata) | {"declared_in": " ".join(sorted(paths))}
    return dataclasses.replace(package, metadata=tuple(sorted(meta.items())))
