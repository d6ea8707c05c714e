"""`--format spdx-json`: SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/).

Written directly as dicts dumped to JSON (spdx-tools' model and converter cost seconds
on a few thousand packages: bench/sbom_writers_bench.py); spdx-tools stays in the tests
as the validator of every document this writes. The document DESCRIBES one package for
the image (purpose CONTAINER, the manifest digest as version and checksum); the image
CONTAINS a package for the distro (purpose OPERATING-SYSTEM) and one package per
dockwise package. SPDX 2.3 has no field for a layer or for where a package was found,
so each package carries one annotation whose comment is a JSON object of the same
`dockwise:*` names the CycloneDX output uses (docs/sbom-formats.md). Namespace and
creation time come from the result, so the same result always gives the same document.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from dockwise.errors import ReportError
from dockwise.model import Distro, ImageInfo, Package, ScanResult
from dockwise.report.licenses import Declared, combined
from dockwise.report.properties import canonical_purl, json_lines, package_properties
from dockwise.report.supplier import (
    distro_supplier,
    image_supplier,
    name_email,
    package_suppliers,
)
from dockwise.version import __version__

DOCUMENT_ID = "SPDXRef-DOCUMENT"
IMAGE_ID = "SPDXRef-Image"
OS_ID = "SPDXRef-OperatingSystem"
# CISA's SBOM type: read from the image's bytes after the build; SPDX 2.3 has no field
# for it (SPDX 3 has), so it goes where readers look for how the document was made.
SBOM_TYPE_COMMENT = "SBOM type: analyzed"
# Not resolvable, only unique: the spec asks for a URI, not a web page.
NAMESPACE_BASE = "https://github.com/dockwise/spdx"
NOASSERTION = "NOASSERTION"
# uuid5 namespace shared with the CycloneDX serial number: uuid5(NAMESPACE_URL, ...).
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dockwise")
_CHECKSUM_ALGORITHMS = {"sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9.-]+")
# substrings of a lowered name (so `inc.`, never `inc`: Vincent is a person)
_ORGANIZATION_WORDS = (
    "maintainers", "team", "developers", "project", "community", "group",
    "foundation", "inc.", "ltd", "llc", "gmbh", "corporation", "linux",
)  # fmt: skip


class SpdxJsonReporter:
    """`--format spdx-json`: for tools and policies that expect SPDX 2.3."""

    name = "spdx-json"

    def render(self, result: ScanResult) -> str:
        return json_lines(document_dict(result))


def document_dict(result: ScanResult) -> dict:
    """The SPDX document of `result`: image DESCRIBED, everything else CONTAINED in it."""
    tool = f"Tool: dockwise-{result.tool_version or __version__}"
    stamp = _Stamp(tool, _created(result.generated))
    packages = [_image_package(result.image, stamp)]
    distro = result.inventory.distro
    if distro is not None:
        packages.append(_os_package(distro, stamp))
    refs: dict[str, str] = {}
    suppliers = package_suppliers(result.inventory.packages)
    ids = _with_ids(result.inventory.packages)
    for (pkg, spdx_id), supplier in zip(ids, suppliers, strict=True):
        declared = combined(pkg.licenses) if pkg.licenses else None
        refs.update(declared.refs if declared else ())
        packages.append(_package(pkg, spdx_id, declared, supplier, stamp))
    relationships = [_relationship(DOCUMENT_ID, "DESCRIBES", IMAGE_ID)] + [
        _relationship(IMAGE_ID, "CONTAINS", p["SPDXID"]) for p in packages[1:]
    ]
    document = {
        "SPDXID": DOCUMENT_ID,
        "creationInfo": {"created": stamp.created, "creators": [tool],
                         "comment": SBOM_TYPE_COMMENT},
        "dataLicense": "CC0-1.0",
        "name": result.image.source or "image",
        "spdxVersion": "SPDX-2.3",
        "documentNamespace": document_namespace(result),
        "packages": packages,
        "relationships": relationships,
    }  # fmt: skip
    if refs:
        document["hasExtractedLicensingInfos"] = [_extracted(r, t) for r, t in refs.items()]
    return document


class _Stamp:
    """Who annotates and when: the same for every annotation of one document."""

    __slots__ = ("tool", "created")

    def __init__(self, tool: str, created: str) -> None:
        self.tool, self.created = tool, created

    def annotations(self, facts: Iterable[tuple[str, str | list[str]]]) -> list[dict]:
        """One annotation per element; the comment is a JSON object, so any value survives."""
        comment = json.dumps({name: value for name, value in facts if value}, sort_keys=True)
        return [{"annotationDate": self.created, "annotationType": "OTHER",
                 "annotator": self.tool, "comment": comment}]  # fmt: skip


def _relationship(element: str, kind: str, related: str) -> dict:
    return {"spdxElementId": element, "relatedSpdxElement": related, "relationshipType": kind}


def _extracted(ref: str, text: str) -> dict:
    """A LicenseRef's definition: the package named the license but dockwise did not
    read its text, so the text given is the name as declared (the comment says so)."""
    return {"licenseId": ref, "extractedText": text, "name": text,
            "comment": "the license as the package metadata names it"}  # fmt: skip


def document_namespace(result: ScanResult) -> str:
    """A URI derived from which bytes were read and when, so re-rendering is stable."""
    image = result.image
    key = "\n".join((image.source, image.manifest_digest, image.config_digest, result.generated))
    slug = _NOT_ID_CHARS.sub("-", image.source).strip("-")[:64] or "image"
    return f"{NAMESPACE_BASE}/{slug}-{uuid.uuid5(_UUID_NAMESPACE, key)}"


def _created(generated: str) -> str:
    """The run time (whole seconds, UTC, `Z`); "now" only for a result that has none."""
    if not generated:
        parsed = datetime.now(UTC)
    else:
        try:
            parsed = datetime.fromisoformat(generated)
        except ValueError as e:
            raise ReportError(f"{generated!r}: invalid generated timestamp") from e
    utc = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _image_package(image: ImageInfo, stamp: _Stamp) -> dict:
    digest = image.manifest_digest or image.config_digest
    checksum = _checksum(digest)
    return _element({
        "SPDXID": IMAGE_ID,
        "annotations": stamp.annotations(_image_facts(image)),
        "checksums": [checksum] if checksum else None,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "name": image.source or "image",
        "primaryPackagePurpose": "CONTAINER",
        "supplier": _supplier(image_supplier(image)),
        "versionInfo": digest or None,
    })  # fmt: skip


def _element(fields: dict) -> dict:
    """Absent rather than empty: SPDX readers take a missing field as unknown."""
    return {k: v for k, v in fields.items() if v is not None}


def _checksum(digest: str) -> dict | None:
    """`sha256:<hex>` as an SPDX checksum; anything else is left out, not guessed."""
    algorithm, _, value = digest.partition(":")
    if algorithm not in _CHECKSUM_ALGORITHMS or not re.fullmatch(r"[0-9a-f]+", value):
        return None
    return {"algorithm": _CHECKSUM_ALGORITHMS[algorithm], "checksumValue": value}


def _image_facts(image: ImageInfo) -> Iterator[tuple[str, str | list[str]]]:
    """Provenance an SBOM reader needs to rebuild the image facts (see `source/sbom.py`)."""
    yield "dockwise:image:scheme", image.scheme
    yield "dockwise:image:manifest-digest", image.manifest_digest
    yield "dockwise:image:config-digest", image.config_digest
    yield "dockwise:image:platform", _platform(image)
    yield "dockwise:image:created", image.created
    yield "dockwise:image:repo-tag", list(image.repo_tags)
    yield "dockwise:image:layer", [layer.diff_id for layer in image.layers]
    # Empty user means the image runs as root; say so rather than omit it.
    yield "dockwise:config:user", image.config.user or "root"


def _platform(image: ImageInfo) -> str:
    return "/".join(part for part in (image.os, image.architecture, image.variant) if part)


def _os_package(distro: Distro, stamp: _Stamp) -> dict:
    codename = [("dockwise:distro:codename", distro.codename)]
    return _element({
        "SPDXID": OS_ID,
        "annotations": stamp.annotations(codename) if distro.codename else None,
        "description": distro.pretty_name or None,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "name": distro.id,
        # the 2.3 schema's spelling here (spdx/spdx-spec#793), not the spec text's
        "primaryPackagePurpose": "OPERATING_SYSTEM",
        "supplier": _supplier(distro_supplier(distro)),
        "versionInfo": distro.version_id or None,
    })  # fmt: skip


def _with_ids(packages: Iterable[Package]) -> Iterator[tuple[Package, str]]:
    """Each package with an SPDXID stable across runs: type, name and a hash of its key.

    The same package can appear twice (two status files), so repeats get `-2`, `-3`...
    """
    seen: dict[str, int] = {}
    for pkg in packages:
        digest = hashlib.sha256(pkg.key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        readable = _NOT_ID_CHARS.sub("-", f"{pkg.type}-{pkg.name}").strip("-")[:64]
        spdx_id = f"SPDXRef-Package-{readable}-{digest}".replace("--", "-")
        seen[spdx_id] = seen.get(spdx_id, 0) + 1
        yield pkg, spdx_id if seen[spdx_id] == 1 else f"{spdx_id}-{seen[spdx_id]}"


def _package(
    pkg: Package, spdx_id: str, declared: Declared | None, supplier: str, stamp: _Stamp
) -> dict:
    purl = canonical_purl(pkg.purl)
    return _element({
        "SPDXID": spdx_id,
        "annotations": stamp.annotations(package_properties(pkg)),
        "downloadLocation": NOASSERTION,
        # `PACKAGE-MANAGER` as the spec text, Syft and Trivy spell it (the schema takes both)
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceLocator": purl,
                          "referenceType": "purl"}] if purl else None,
        "filesAnalyzed": False,
        # dockwise reads what packages declare; it concludes nothing from their files
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": declared.expression if declared else NOASSERTION,
        # Keep what the package said when SPDX spells it otherwise (read back exactly).
        "licenseComments": _license_comment(pkg.licenses, declared),
        "name": pkg.name,
        "primaryPackagePurpose": "LIBRARY",
        "supplier": _supplier(supplier),
        "versionInfo": pkg.version or None,
    })  # fmt: skip


def _license_comment(licenses: tuple[str, ...], declared: Declared | None) -> str | None:
    if declared is None or declared.expression == " AND ".join(licenses):
        return None
    return "declared: " + json.dumps(list(licenses))


def _supplier(maintainer: str) -> str:
    """`Name <email>` as a Person, or an Organization for teams and lists; NOASSERTION
    when the image says nothing (see `name_email` for what an actor can carry)."""
    parsed = name_email(maintainer)
    if parsed is None:
        return NOASSERTION
    name, email = parsed
    lowered = name.lower()
    kind = "Person"
    if any(word in lowered for word in _ORGANIZATION_WORDS) or "@lists." in email:
        kind = "Organization"
    return f"{kind}: {name} ({email})" if email else f"{kind}: {name}"
