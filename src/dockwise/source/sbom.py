"""`sbom:PATH`: vet an image from its SBOM alone (CycloneDX 1.4-1.6 or SPDX 2.3 JSON).

The SBOM becomes an Image with no layers and a ready-made inventory, so everything after
cataloguing (checks, reporters, policy) works the same as for an image. The format is
detected from the content, never the file name. Both formats are first reduced to the
same `_Element`s (name, version, purl, licenses, supplier and a property bag), then one
builder maps them onto the model, so Syft, Trivy and dockwise extras are read once:

- dockwise: `dockwise:*` properties (CycloneDX) or the JSON annotation (SPDX),
  see docs/sbom-formats.md;
- Syft: `syft:location:N:{path,layerID}` and `syft:distro:*` properties (CycloneDX),
  "evident-by" file relationships whose comment is `layerID: ...` (SPDX);
- Trivy: `aquasecurity:trivy:*` properties (CycloneDX) or `Key: value` annotations (SPDX).

A document that cannot be read at all is a one-line SourceError; a bad component is a
warning and the rest of the SBOM still stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from dockwise.errors import SourceError
from dockwise.model import (
    OS_PACKAGE_TYPES,
    Distro,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanWarning,
)
from dockwise.source.base import Image
from dockwise.source.oci import Platform
from dockwise.untrusted import load_json

MAX_BYTES = 512 * 1024 * 1024  # an SBOM of a huge image is tens of MB; refuse absurd files
CYCLONEDX_VERSIONS = ("1.4", "1.5", "1.6")
SPDX_VERSIONS = ("SPDX-2.3",)
OS_PURL_TYPES = OS_PACKAGE_TYPES | {"alpm"}  # an SBOM may list Arch packages too
_NO_VALUE = ("", "NOASSERTION", "NONE")
_TRIVY = "aquasecurity:trivy:"

Props = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class _Element:
    """A component (CycloneDX) or package (SPDX), reduced to what dockwise reads."""

    pointer: str  # where in the document, for warnings: `components[3]`, `packages[7]`
    name: str
    version: str = ""
    purl: str = ""
    licenses: tuple[str, ...] = ()
    supplier: str = ""
    description: str = ""
    props: Props = field(default_factory=dict)


@dataclass(slots=True)
class _Parsed:
    """One SBOM reduced to elements: the image, the OS and the packages."""

    fmt: str  # "cyclonedx" or "spdx"
    image: _Element | None = None
    os: _Element | None = None
    packages: list[_Element] = field(default_factory=list)
    warnings: list[ScanWarning] = field(default_factory=list)


def open_sbom(path: Path, source: str, platform: Platform | None = None) -> Image:
    """The image an SBOM describes; `platform` is refused by `open_source` (PLATFORMLESS)."""
    doc = load_document(path)
    parsed = _read_cyclonedx(doc) if sbom_format(doc, path) == "cyclonedx" else _read_spdx(doc)
    info, inventory = build(parsed, source)
    return Image(info, (), inventory)


def load_document(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; anything else is a one-line SourceError."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SourceError(f"{path}: SBOM larger than {MAX_BYTES:,} bytes")
        doc = load_json(path.read_bytes().decode("utf-8-sig"))
    except OSError as e:
        raise SourceError(f"{path}: cannot read the SBOM: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not an SBOM (not UTF-8 text)") from e
    except ValueError as e:
        raise SourceError(f"{path}: not an SBOM ({e})") from e
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: not an SBOM (the JSON document is not an object)")
    return doc


def sbom_format(doc: dict[str, Any], path: Path) -> str:
    """ "cyclonedx" or "spdx", from the fields each format requires at its top level."""
    if doc.get("bomFormat") == "CycloneDX":
        version = str(doc.get("specVersion", ""))
        if version not in CYCLONEDX_VERSIONS:
            raise SourceError(f"{path}: CycloneDX {version or '(no specVersion)'} is not supported "
                              f"(supported: {', '.join(CYCLONEDX_VERSIONS)})")  # fmt: skip
        return "cyclonedx"
    if "spdxVersion" in doc:
        version = str(doc["spdxVersion"])
        if version not in SPDX_VERSIONS:
            raise SourceError(f"{path}: {version} is not supported (supported: SPDX-2.3)")
        return "spdx"
    if "@context" in doc:
        raise SourceError(f"{path}: SPDX 3 (JSON-LD) is not supported (supported: SPDX-2.3)")
    raise SourceError(f"{path}: neither a CycloneDX nor an SPDX JSON document")


# --- CycloneDX (https://cyclonedx.org/docs/1.6/json/) ---------------------------------


def _read_cyclonedx(doc: dict[str, Any]) -> _Parsed:
    parsed = _Parsed("cyclonedx")
    metadata = doc.get("metadata")
    root = metadata.get("component") if isinstance(metadata, dict) else None
    if isinstance(root, dict):
        parsed.image = _cdx_element(root, "metadata.component")
    for pointer, component in _walk(doc.get("components"), "components", parsed.warnings):
        element = _cdx_element(component, pointer)
        kind = component.get("type")
        if not element.name:
            parsed.warnings.append(ScanWarning(f"{pointer}: component without a name skipped"))
        elif kind == "operating-system":
            parsed.os = parsed.os or element
        elif kind in ("library", "framework", "application") and _is_package(element):
            parsed.packages.append(element)
        elif kind in ("library", "framework"):
            parsed.warnings.append(
                ScanWarning(f"{pointer}: {element.name!r} has no version nor purl; skipped")
            )
    return parsed


def _walk(components: Any, pointer: str, warnings: list[ScanWarning]) -> Iterator[tuple[str, dict]]:
    """Every component, nested ones included (CycloneDX lets components contain others)."""
    if components is None:
        return
    if not isinstance(components, list):
        warnings.append(ScanWarning(f"{pointer}: not a list; ignored"))
        return
    for i, component in enumerate(components):
        here = f"{pointer}[{i}]"
        if not isinstance(component, dict):
            warnings.append(ScanWarning(f"{here}: not an object; skipped"))
            continue
        yield here, component
        yield from _walk(component.get("components"), f"{here}.components", warnings)


def _cdx_element(component: dict[str, Any], pointer: str) -> _Element:
    props: Props = {}
    for prop in _list(component.get("properties")):
        if isinstance(prop, dict) and _text(prop.get("name")):
            props.setdefault(prop["name"], []).append(_text(prop.get("value")))
    return _Element(
        pointer=pointer,
        name=_text(component.get("name")),
        version=_text(component.get("version")),
        purl=_text(component.get("purl")),
        licenses=tuple(_cdx_licenses(component.get("licenses"))),
        supplier=_cdx_supplier(component),
        description=_text(component.get("description")),
        props=props,
    )


def _cdx_licenses(licenses: Any) -> Iterator[str]:
    """`{"license": {"id"|"name"}}` choices and `{"expression"}`, as written."""
    for choice in _list(licenses):
        if not isinstance(choice, dict):
            continue
        license_ = choice.get("license")
        if isinstance(license_, dict):
            value = _text(license_.get("id")) or _text(license_.get("name"))
        else:
            value = _text(choice.get("expression"))
        if value:
            yield value


def _cdx_supplier(component: dict[str, Any]) -> str:
    supplier = component.get("supplier")
    name = _text(supplier.get("name")) if isinstance(supplier, dict) else ""
    return _text(component.get("publisher")) or name or _text(component.get("author"))


# --- SPDX 2.3 (https://spdx.github.io/spdx-spec/v2.3/) --------------------------------


def _read_spdx(doc: dict[str, Any]) -> _Parsed:
    parsed = _Parsed("spdx")
    relationships = [r for r in _list(doc.get("relationships")) if isinstance(r, dict)]
    described = _described(doc, relationships)
    evidence = _evidence(doc, relationships)
    for i, package in enumerate(_list(doc.get("packages"))):
        pointer = f"packages[{i}]"
        if not isinstance(package, dict):
            parsed.warnings.append(ScanWarning(f"{pointer}: not an object; skipped"))
            continue
        element = _spdx_element(package, pointer, evidence)
        _place_spdx(parsed, element, _purpose(package), package.get("SPDXID") in described)
    return parsed


def _place_spdx(parsed: _Parsed, element: _Element, purpose: str, described: bool) -> None:
    """The described container is the image, an OPERATING-SYSTEM the distro; the rest
    are packages. A described root with no purl (no purpose in older Syft, a directory)
    stands for the image too."""
    root = described and (purpose == "CONTAINER" or not element.purl)
    if not element.name:
        parsed.warnings.append(ScanWarning(f"{element.pointer}: package without a name skipped"))
    elif root or (purpose == "CONTAINER" and parsed.image is None):
        parsed.image = element
    elif purpose == "OPERATING-SYSTEM":
        parsed.os = parsed.os or element
    elif purpose not in ("CONTAINER", "FILE", "SOURCE", "ARCHIVE") and _is_package(element):
        parsed.packages.append(element)


def _described(doc: dict[str, Any], relationships: list[dict]) -> set[str]:
    """What the document DESCRIBES: the deprecated list and the relationship, both read."""
    ids = {i for i in _list(doc.get("documentDescribes")) if isinstance(i, str)}
    for rel in relationships:
        kind = rel.get("relationshipType")
        if kind == "DESCRIBES" and rel.get("spdxElementId") == doc.get("SPDXID"):
            ids.add(_text(rel.get("relatedSpdxElement")))
        elif kind == "DESCRIBED_BY" and rel.get("relatedSpdxElement") == doc.get("SPDXID"):
            ids.add(_text(rel.get("spdxElementId")))
    return ids


def _evidence(doc: dict[str, Any], relationships: list[dict]) -> dict[str, dict]:
    """Package id -> the first file it is "evident-by" (Syft's way of giving a location)."""
    files = {f.get("SPDXID"): f for f in _list(doc.get("files")) if isinstance(f, dict)}
    found: dict[str, dict] = {}
    for rel in relationships:
        if not _text(rel.get("comment")).startswith("evident-by"):
            continue
        file = files.get(rel.get("relatedSpdxElement"))
        if file is not None:
            found.setdefault(_text(rel.get("spdxElementId")), file)
    return found


def _spdx_element(package: dict[str, Any], pointer: str, evidence: dict[str, dict]) -> _Element:
    props = _spdx_annotation_props(package.get("annotations"))
    file = evidence.get(package.get("SPDXID"))
    if file is not None:
        props.setdefault("syft:location:0:path", [_text(file.get("fileName"))])
        layer = _text(file.get("comment")).removeprefix("layerID: ")
        if layer.startswith("sha256:"):
            props.setdefault("syft:location:0:layerID", [layer])
    return _Element(
        pointer=pointer,
        name=_text(package.get("name")),
        version=_text(package.get("versionInfo")),
        purl=_spdx_purl(package.get("externalRefs")),
        licenses=_spdx_licenses(package),
        supplier=_actor(_text(package.get("supplier"))) or _actor(_text(package.get("originator"))),
        description=_text(package.get("description")),
        props=props,
    )


def _spdx_annotation_props(annotations: Any) -> Props:
    """dockwise's JSON annotation, and Trivy's `Key: value` ones as `aquasecurity:trivy:Key`."""
    props: Props = {}
    for annotation in _list(annotations):
        comment = _text(annotation.get("comment")) if isinstance(annotation, dict) else ""
        if comment.startswith("{"):
            _merge(props, _json_props(comment))
        elif ": " in comment and "trivy" in _text(annotation.get("annotator")).lower():
            key, _, value = comment.partition(": ")
            props.setdefault(_TRIVY + key, []).append(value)
    return props


def _json_props(comment: str) -> Props:
    data = _loads(comment)
    if not isinstance(data, dict):
        return {}
    return {
        k: [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)]
        for k, v in data.items()
        if k.startswith("dockwise:") and isinstance(v, str | list)
    }


def _spdx_purl(refs: Any) -> str:
    for ref in _list(refs):
        if isinstance(ref, dict) and ref.get("referenceType") == "purl":
            return _text(ref.get("referenceLocator"))
    return ""


def _spdx_licenses(package: dict[str, Any]) -> tuple[str, ...]:
    """The declared license (or the concluded one); dockwise keeps non-SPDX ones in the
    license comment as `declared: [...]`, which restores them exactly."""
    comment = _text(package.get("licenseComments"))
    if comment.startswith("declared: "):
        kept = _loads(comment.removeprefix("declared: "))
        if isinstance(kept, list) and kept and all(isinstance(v, str) for v in kept):
            return tuple(kept)
    for key in ("licenseDeclared", "licenseConcluded"):
        value = _text(package.get(key))
        if value not in _NO_VALUE:
            return (value,)
    return ()


def _purpose(package: dict[str, Any]) -> str:
    return _text(package.get("primaryPackagePurpose")).upper().replace("_", "-")


def _actor(value: str) -> str:
    """`Person: Jane (jane@x)` -> `Jane <jane@x>`; NOASSERTION -> ""."""
    _, _, rest = value.partition(": ")
    name, _, email = rest.rpartition(" (") if rest.endswith(")") else (rest, "", "")
    email = email.removesuffix(")")
    return f"{name} <{email}>" if email else name


# --- building the model ---------------------------------------------------------------


def build(parsed: _Parsed, source: str) -> tuple[ImageInfo, Inventory]:
    """The image facts and inventory the elements describe."""
    image = parsed.image or _Element("", "")
    layers = _layers(image)
    index = {layer.diff_id: layer.index for layer in layers}
    packages = [_package(e, parsed, index) for e in parsed.packages]
    distro = _distro(parsed.os) if parsed.os else _distro_from_purls(packages)
    info = _image_info(image, source, layers)
    return info, Inventory(distro, tuple(packages), tuple(parsed.warnings))


def _package(element: _Element, parsed: _Parsed, layers: dict[str, int]) -> Package:
    props = element.props
    purl = _canonical_purl(element, parsed.warnings)
    qualifiers = purl.qualifiers if purl and isinstance(purl.qualifiers, dict) else {}
    upstream_name, _, upstream_version = qualifiers.get("upstream", "").partition("@")
    kind = _first(props, "dockwise:package:type") or (purl.type if purl else "")
    return Package(
        name=element.name,
        version=element.version,
        type=kind or _first(props, "syft:package:type") or "unknown",
        purl=purl.to_string() if purl else "",
        location=_location(props, layers),
        found_by=_first(props, "dockwise:found-by", "syft:package:foundBy") or f"sbom-{parsed.fmt}",
        arch=_first(props, "dockwise:package:arch") or qualifiers.get("arch", ""),
        source_name=_first(props, "dockwise:package:source-name", _TRIVY + "SrcName")
        or upstream_name,
        source_version=_first(props, "dockwise:package:source-version")
        or _trivy_source_version(props)
        or upstream_version,
        licenses=element.licenses,
        maintainer=element.supplier,
        owned_by=_first(props, "dockwise:package:owned-by"),
        found_as=_first(props, "dockwise:package:found-as") or "installed",
    )


def _canonical_purl(element: _Element, warnings: list[ScanWarning]) -> PackageURL | None:
    """Parsed purl (re-encoded the way catalogers write it); a bad one is a warning."""
    if not element.purl:
        return None
    try:
        return PackageURL.from_string(element.purl)
    except ValueError as e:
        warnings.append(ScanWarning(f"{element.pointer}: invalid purl dropped ({_first_line(e)})"))
        return None


def _location(props: Props, layers: dict[str, int]) -> Location:
    """Where the SBOM says the package was found; layer index -1 when it gives no order."""
    path = _first(props, "dockwise:location:path", "syft:location:0:path", _TRIVY + "FilePath")
    path = path.lstrip("/")
    diff_id = _first(
        props, "dockwise:layer:diff_id", "syft:location:0:layerID", _TRIVY + "LayerDiffID"
    )
    if not diff_id:
        return Location(path)
    index_text = _first(props, "dockwise:layer:index")
    index = int(index_text) if index_text.isdigit() else layers.get(diff_id, -1)
    return Location(path, LayerRef(index, diff_id, _first(props, _TRIVY + "LayerDigest")))


def _trivy_source_version(props: Props) -> str:
    """Trivy splits it as rpm does: epoch, version and release."""
    version = _first(props, _TRIVY + "SrcVersion")
    if not version:
        return ""
    release = _first(props, _TRIVY + "SrcRelease")
    epoch = _first(props, _TRIVY + "SrcEpoch")
    full = f"{version}-{release}" if release else version
    return f"{epoch}:{full}" if epoch not in ("", "0") else full


def _layers(image: _Element) -> tuple[LayerRef, ...]:
    """The layer order, when the SBOM records it (dockwise and Trivy do, Syft does not)."""
    diff_ids = image.props.get("dockwise:image:layer") or image.props.get(_TRIVY + "DiffID", [])
    return tuple(LayerRef(i, diff_id) for i, diff_id in enumerate(diff_ids))


def _image_info(image: _Element, source: str, layers: tuple[LayerRef, ...]) -> ImageInfo:
    props = image.props
    platform = _first(props, "dockwise:image:platform").split("/")
    purl = _quiet_purl(image.purl)
    tags = props.get("dockwise:image:repo-tag") or props.get(_TRIVY + "RepoTag") or []
    config_digest = _first(props, "dockwise:image:config-digest", _TRIVY + "ImageID")
    return ImageInfo(
        source=source,
        scheme="sbom",
        manifest_digest=_manifest_digest(image, config_digest),
        config_digest=config_digest,
        # Syft records no tags, only the name it was given: keep that as the reference.
        repo_tags=tuple(tags) or ((image.name,) if image.name else ()),
        os=platform[0],
        architecture=platform[1] if len(platform) > 1 else _qualifier(purl, "arch"),
        variant=platform[2] if len(platform) > 2 else "",
        created=_first(props, "dockwise:image:created"),
        config=RunConfig(user=_first(props, "dockwise:config:user")),
        layers=layers,
    )


def _manifest_digest(image: _Element, config_digest: str) -> str:
    """dockwise's and Trivy's say which digest it is; Syft's image version is the manifest
    digest, dockwise's the config digest when there is no manifest (docker save)."""
    explicit = _first(image.props, "dockwise:image:manifest-digest")
    repo_digest = _first(image.props, _TRIVY + "RepoDigest").rpartition("@")[2]
    if explicit or repo_digest:
        return explicit or repo_digest
    version = image.version
    return version if version.startswith("sha256:") and version != config_digest else ""


def _distro(element: _Element) -> Distro:
    """The OS component or package; Syft adds os-release fields as properties."""
    props = element.props
    id_like = _first(props, "syft:distro:idLike").replace(",", " ").split()
    return Distro(
        id=_first(props, "syft:distro:id") or element.name.lower(),
        version_id=_first(props, "syft:distro:versionID") or element.version,
        codename=_first(props, "dockwise:distro:codename", "syft:distro:versionCodename"),
        name=_first(props, "syft:distro:name"),
        pretty_name=_first(props, "syft:distro:prettyName") or element.description,
        id_like=tuple(id_like),
    )


def _distro_from_purls(packages: list[Package]) -> Distro | None:
    """Syft's SPDX has no OS package: the `distro` qualifier of the OS purls still says
    it, when they all name one release. Mixed releases name none: each component is then
    matched against its own qualifier, and one without any is said to be uncovered
    rather than matched against a guess (issue 13)."""
    os_purls = [p for p in map(_quiet_purl, (p.purl for p in packages)) if p is not None
                and p.type in OS_PURL_TYPES and p.namespace]  # fmt: skip
    found = (Distro.from_purl_qualifier(_qualifier(p, "distro"), p.namespace) for p in os_purls)
    releases = {d for d in found if d is not None}
    return releases.pop() if len(releases) == 1 else None


# --- small readers that never raise on hostile input ----------------------------------


def _is_package(element: _Element) -> bool:
    """A thing with an identity: Trivy's per-lockfile "application" components have none."""
    return bool(element.purl or element.version)


def _first(props: Props, *names: str) -> str:
    for name in names:
        for value in props.get(name, ()):
            if value:
                return value
    return ""


def _merge(props: Props, more: Props) -> None:
    for key, values in more.items():
        props.setdefault(key, []).extend(values)


def _quiet_purl(value: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(value) if value else None
    except ValueError:
        return None


def _qualifier(purl: PackageURL | None, name: str) -> str:
    qualifiers = purl.qualifiers if purl is not None else None
    return qualifiers.get(name, "") if isinstance(qualifiers, dict) else ""


def _text(value: Any) -> str:
    """Strings as written; numbers (a version written as 12) as text; anything else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _loads(text: str) -> Any:
    """JSON kept in a comment or annotation by another tool; None if it is not."""
    try:
        return load_json(text)
    except ValueError:
        return None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
