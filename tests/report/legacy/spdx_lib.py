"""`--format spdx-json`: SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/).

The only module that imports spdx-tools, so its model stays at the output edge. The
document DESCRIBES one package for the image (purpose CONTAINER, the manifest digest as
version and checksum); the image CONTAINS a package for the distro (purpose
OPERATING-SYSTEM) and one package per dockwise package. SPDX 2.3 has no field for a
layer or for where a package was found, so each package carries one annotation whose
comment is a JSON object of the same `dockwise:*` names the CycloneDX output uses
(docs/sbom-formats.md). Namespace and creation time come from the result, so the same
result always gives the same document.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from license_expression import LicenseExpression
from packageurl import PackageURL
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.jsonschema.annotation_converter import AnnotationConverter
from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
from spdx_tools.spdx.model import (
    Actor,
    ActorType,
    Annotation,
    AnnotationType,
    Checksum,
    ChecksumAlgorithm,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    ExtractedLicensingInfo,
    PackagePurpose,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.model import Package as SpdxPackage

from dockwise.errors import ReportError
from dockwise.model import Distro, ImageInfo, Package, ScanResult
from dockwise.report.licenses import Declared, combined
from dockwise.report.properties import package_properties
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
# uuid5 namespace shared with the CycloneDX serial number: uuid5(NAMESPACE_URL, ...).
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dockwise")
_CHECKSUM_ALGORITHMS = {
    "sha256": ChecksumAlgorithm.SHA256,
    "sha384": ChecksumAlgorithm.SHA384,
    "sha512": ChecksumAlgorithm.SHA512,
}
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
        document = build_document(result)
        try:
            data = _convert(document)
        except Exception as e:  # the converter raises assorted types for an invalid model
            raise ReportError(f"spdx: cannot serialise the SBOM: {e}") from e
        return json.dumps(_spec_spelling(data), indent=2) + "\n"


def build_document(result: ScanResult) -> Document:
    """The spdx-tools model of `result`: image DESCRIBED, everything else CONTAINED in it."""
    created = _created(result.generated)
    tool = Actor(ActorType.TOOL, f"dockwise-{result.tool_version or __version__}")
    packages = [_image_package(result.image)]
    annotations = [_annotation(IMAGE_ID, _image_facts(result.image), tool, created)]
    distro = result.inventory.distro
    if distro is not None:
        packages.append(_os_package(distro))
        if distro.codename:
            codename = [("dockwise:distro:codename", distro.codename)]
            annotations.append(_annotation(OS_ID, codename, tool, created))
    refs: dict[str, str] = {}
    suppliers = package_suppliers(result.inventory.packages)
    ids = _with_ids(result.inventory.packages)
    for (pkg, spdx_id), supplier in zip(ids, suppliers, strict=True):
        declared = combined(pkg.licenses) if pkg.licenses else None
        refs.update(declared.refs if declared else ())
        packages.append(_package(pkg, spdx_id, declared, supplier))
        annotations.append(_annotation(spdx_id, package_properties(pkg), tool, created))
    relationships = [Relationship(DOCUMENT_ID, RelationshipType.DESCRIBES, IMAGE_ID)] + [
        Relationship(IMAGE_ID, RelationshipType.CONTAINS, p.spdx_id) for p in packages[1:]
    ]
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id=DOCUMENT_ID,
        name=result.image.source or "image",
        document_namespace=document_namespace(result),
        creators=[tool],
        created=created,
        creator_comment=SBOM_TYPE_COMMENT,
    )
    return Document(
        info, packages, annotations=annotations, relationships=relationships,
        extracted_licensing_info=[_extracted(ref, text) for ref, text in refs.items()],
    )  # fmt: skip


def _extracted(ref: str, text: str) -> ExtractedLicensingInfo:
    """A LicenseRef's definition: the package named the license but dockwise did not
    read its text, so the text given is the name as declared (the comment says so)."""
    return ExtractedLicensingInfo(
        ref, text, text, comment="the license as the package metadata names it"
    )


def document_namespace(result: ScanResult) -> str:
    """A URI derived from which bytes were read and when, so re-rendering is stable."""
    image = result.image
    key = "\n".join((image.source, image.manifest_digest, image.config_digest, result.generated))
    slug = _NOT_ID_CHARS.sub("-", image.source).strip("-")[:64] or "image"
    return f"{NAMESPACE_BASE}/{slug}-{uuid.uuid5(_UUID_NAMESPACE, key)}"


def _convert(document: Document) -> dict:
    """The JSON-ready dict, with annotations attached in one pass.

    spdx-tools' converter searches the whole annotation list for every package, which is
    quadratic (80 s for 3,000 packages), so it converts a copy without them.
    """
    converter = AnnotationConverter()
    by_id: dict[str, list[dict]] = {}
    for annotation in document.annotations:
        by_id.setdefault(annotation.spdx_id, []).append(converter.convert(annotation))
    bare = Document(
        document.creation_info, document.packages, relationships=document.relationships,
        extracted_licensing_info=document.extracted_licensing_info,
    )  # fmt: skip
    data = DocumentConverter().convert(bare)
    data["packages"] = [_annotated(package, by_id) for package in data.get("packages", [])]
    return data


def _annotated(package: dict, by_id: dict[str, list[dict]]) -> dict:
    """`annotations` right after `SPDXID`, where spdx-tools itself puts them."""
    annotations = by_id.get(package["SPDXID"])
    if not annotations:
        return package
    return {"SPDXID": package["SPDXID"], "annotations": annotations} | package


def _spec_spelling(data: dict) -> dict:
    """`PACKAGE-MANAGER` as the spec text, Syft and Trivy spell it (spdx-tools writes `_`).

    The 2.3 JSON schema accepts both spellings here (spdx/spdx-spec#793), but only
    `OPERATING_SYSTEM` for the package purpose, so that one is left as spdx-tools writes it.
    """
    for package in data.get("packages", []):
        for ref in package.get("externalRefs", []):
            ref["referenceCategory"] = ref["referenceCategory"].replace("_", "-")
    return data


def _created(generated: str) -> datetime:
    """The run time (whole seconds, UTC); "now" only for a result that has none."""
    if not generated:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(generated)
    except ValueError as e:
        raise ReportError(f"{generated!r}: invalid generated timestamp") from e
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).replace(microsecond=0)


def _image_package(image: ImageInfo) -> SpdxPackage:
    digest = image.manifest_digest or image.config_digest
    checksum = _checksum(digest)
    return SpdxPackage(
        spdx_id=IMAGE_ID,
        name=image.source or "image",
        download_location=SpdxNoAssertion(),
        version=digest or None,
        files_analyzed=False,
        checksums=[checksum] if checksum else [],
        supplier=_supplier(image_supplier(image)),
        primary_package_purpose=PackagePurpose.CONTAINER,
    )


def _checksum(digest: str) -> Checksum | None:
    """`sha256:<hex>` as an SPDX checksum; anything else is left out, not guessed."""
    algorithm, _, value = digest.partition(":")
    if algorithm not in _CHECKSUM_ALGORITHMS or not re.fullmatch(r"[0-9a-f]+", value):
        return None
    return Checksum(_CHECKSUM_ALGORITHMS[algorithm], value)


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


def _os_package(distro: Distro) -> SpdxPackage:
    return SpdxPackage(
        spdx_id=OS_ID,
        name=distro.id,
        download_location=SpdxNoAssertion(),
        version=distro.version_id or None,
        files_analyzed=False,
        description=distro.pretty_name or None,
        supplier=_supplier(distro_supplier(distro)),
        primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
    )


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


def _package(pkg: Package, spdx_id: str, declared: Declared | None, by: str) -> SpdxPackage:
    supplier = _supplier(by)
    purl = _purl_ref(pkg.purl)
    return SpdxPackage(
        spdx_id=spdx_id,
        name=pkg.name,
        download_location=SpdxNoAssertion(),
        version=pkg.version or None,
        files_analyzed=False,
        supplier=supplier,
        license_declared=_expression(declared),
        # dockwise reads what packages declare; it concludes nothing from their files
        license_concluded=SpdxNoAssertion(),
        # Keep what the package said when SPDX spells it otherwise (read back exactly).
        license_comment=_license_comment(pkg.licenses, declared),
        external_references=[purl] if purl else [],
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def _expression(declared: Declared | None) -> LicenseExpression | SpdxNoAssertion:
    return spdx_licensing.parse(declared.expression) if declared else SpdxNoAssertion()


def _license_comment(licenses: tuple[str, ...], declared: Declared | None) -> str | None:
    if declared is None or declared.expression == " AND ".join(licenses):
        return None
    return "declared: " + json.dumps(list(licenses))


def _supplier(maintainer: str) -> Actor | SpdxNoAssertion:
    """`Name <email>` as a Person, or an Organization for teams and lists; NOASSERTION
    when the image says nothing.

    SPDX serialises actors as `Person: name (email)`, so names with brackets or
    parentheses could not be read back and are left as NOASSERTION too.
    """
    parsed = name_email(maintainer)
    if parsed is None:
        return SpdxNoAssertion()
    name, email = parsed
    lowered = name.lower()
    kind = ActorType.PERSON
    if any(word in lowered for word in _ORGANIZATION_WORDS) or (email or "").startswith("lists."):
        kind = ActorType.ORGANIZATION
    return Actor(kind, name, email or None)


def _purl_ref(purl: str) -> ExternalPackageRef | None:
    """The purl in canonical form; one that does not parse is left out, not the package."""
    try:
        canonical = PackageURL.from_string(purl).to_string() if purl else ""
    except ValueError:
        return None
    if not canonical:
        return None
    return ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", canonical)


def _annotation(
    spdx_id: str, facts: Iterable[tuple[str, str | list[str]]], tool: Actor, created: datetime
) -> Annotation:
    """One annotation per element; the comment is a JSON object, so any value survives."""
    comment = json.dumps({name: value for name, value in facts if value}, sort_keys=True)
    return Annotation(spdx_id, AnnotationType.OTHER, tool, created, comment)
