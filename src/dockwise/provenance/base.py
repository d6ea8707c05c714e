"""Which image this one was built FROM, and how sure we are.

Strongest first: the OCI `base.name`/`base.digest` annotations (written by BuildKit with
`--annotation`-aware builders and by most CI templates); then a base whose layers we have
seen before (the local catalogue, `catalogue.py`: high for a base the user recorded as
trusted, medium for a name a scanned image gave itself); then the history, where the
base's part ends after its root filesystem layer (`ADD file:... in /`, `mmdebstrap`, a
rootfs tarball) and the metadata steps that close a base image (`CMD ["bash"]`); and last
the distro alone, which says what the OS is but not which image brought it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.model import Distro, ImageInfo, LayerRef
from dockwise.provenance.catalogue import BaseCatalogue
from dockwise.provenance.origin import metadata
from dockwise.provenance.steps import parse_step

HIGH_ANNOTATION = "high: annotation"
HIGH_LAYERS = "high: known base layers"
MEDIUM_LEARNED = "medium: learned base layers"
MEDIUM_HISTORY = "medium: history"
LOW_DISTRO = "low: distro only"
UNKNOWN = "unknown"

_ROOTFS = re.compile(
    r"\bADD\s+(?:--\S+\s+)*(?:file:[0-9a-f]+|\S+\.tar(?:\.\w+)?)\s+(?:in\s+)?/\s*$"
    r"|\b(?:mmdebstrap|debootstrap|multistrap|apko|pacstrap|mkimage\S*)\b",
    re.M,
)
_FROM = re.compile(r"^FROM\s+(\S+)")
_CLOSING = {"CMD", "LABEL", "ENV", "ARG", "SHELL", "ENTRYPOINT", "MAINTAINER"}
# os-release ID -> the official image repository that ships it
_OFFICIAL = {
    "debian": "debian", "ubuntu": "ubuntu", "alpine": "alpine", "fedora": "fedora",
    "rocky": "rockylinux", "almalinux": "almalinux", "amzn": "amazonlinux",
    "ol": "oraclelinux", "centos": "centos", "opensuse-leap": "opensuse/leap",
    "photon": "photon", "rhel": "registry.access.redhat.com/ubi{major}",
    "sles": "registry.suse.com/bci/bci-base",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BaseImage:
    """The base image as far as it can be told, with the evidence and confidence."""

    name: str  # "debian:12", an annotation's value, or "" when unknown
    digest: str
    confidence: str  # one of the constants above
    layers: tuple[LayerRef, ...]  # the base's layers, when the boundary is known
    created: str  # the base's last history time, when known
    evidence: tuple[tuple[str, str], ...]
    reason: str = ""  # why it is unknown


def infer_base(
    image: ImageInfo, distro: Distro | None, catalogue: BaseCatalogue | None = None
) -> BaseImage:
    """The best-supported answer; never a name without saying how it was found."""
    boundary = history_boundary(image)
    layers, created = _base_part(image, boundary)
    found = _from_annotation(image, layers, created)
    if found is None and catalogue is not None:
        found = _from_catalogue(image, catalogue)
    if found is None and boundary is not None:
        found = _from_history(image, distro, boundary, layers, created)
    if found is None and distro is not None:
        found = BaseImage(distro_base_name(distro), "", LOW_DISTRO, (), "",
                          (("distro", f"{distro.id} {distro.version_id}"),))  # fmt: skip
    return found or BaseImage(
        "", "", UNKNOWN, (), "", (), reason="no base annotation, no OS layer in the history "
        "and no distro detected"
    )  # fmt: skip


def history_boundary(image: ImageInfo) -> int | None:
    """How many history entries make up the base: its root filesystem step plus the
    metadata-only steps that follow it; None when no step looks like a root filesystem."""
    history = image.history
    start = next((i for i, h in enumerate(history) if _is_rootfs(h.created_by)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(history) and history[end].empty_layer:
        if parse_step(history[end].created_by).instruction not in _CLOSING:
            break
        end += 1
    return end


def distro_base_name(distro: Distro) -> str:
    """The official image that ships this release: "debian:12", "alpine:3.19"."""
    version = distro.version_id or distro.codename
    if distro.id == "alpine":
        version = ".".join(version.split(".")[:2])
    repo = _OFFICIAL.get(distro.id, distro.id)
    repo = repo.format(major=version.split(".")[0])
    return f"{repo}:{version}" if version else repo


def _from_annotation(image: ImageInfo, layers, created: str) -> BaseImage | None:  # noqa: ANN001
    found = {m.field: m for m in metadata(image) if m.field in ("base_name", "base_digest")}
    if not found:
        return None
    name, digest = found.get("base_name"), found.get("base_digest")
    evidence = tuple((m.where, m.value) for m in found.values())
    return BaseImage(name.value if name else "", digest.value if digest else "",
                     HIGH_ANNOTATION, layers, created, evidence)  # fmt: skip


def _from_catalogue(image: ImageInfo, catalogue: BaseCatalogue) -> BaseImage | None:
    chain = tuple(layer.diff_id for layer in image.layers)
    known = catalogue.match(chain)
    if known is None:
        return None
    layers = image.layers[: len(known.diff_ids)]
    same = f"{len(layers)} identical layers"  # the name is the fact itself: kept short
    if known.trusted:
        evidence = f"{same} of a trusted base (cache learn-base {known.source}, {known.recorded})"
        return BaseImage(known.name, known.digest, HIGH_LAYERS, layers, "",
                         (("catalogue", evidence),))  # fmt: skip
    evidence = f"{same}, learned from {known.source} scanned on {known.recorded}"
    return BaseImage(known.name, known.digest, MEDIUM_LEARNED, layers, "",
                     (("catalogue", evidence),))  # fmt: skip


def _from_history(image, distro, boundary, layers, created) -> BaseImage:  # noqa: ANN001
    entries = image.history[:boundary]
    named = next((m.group(1) for h in entries if (m := _FROM.match(h.created_by))), "")
    name = named or (distro_base_name(distro) if distro else "")
    rootfs = next(h.created_by for h in entries if _is_rootfs(h.created_by))
    evidence = (("history", f"base ends at history entry {boundary - 1}: {rootfs[:120]}"),)
    if distro is not None and not named:
        evidence += (("distro", f"{distro.id} {distro.version_id}"),)
    return BaseImage(name, "", MEDIUM_HISTORY, layers, created, evidence)


def _base_part(image: ImageInfo, boundary: int | None) -> tuple[tuple[LayerRef, ...], str]:
    if boundary is None:
        return (), ""
    entries = image.history[:boundary]
    indexes = [h.layer_index for h in entries if h.layer_index is not None]
    count = max(indexes) + 1 if indexes else 0
    created = next((h.created for h in reversed(entries) if h.created), "")
    return image.layers[:count], created


def _is_rootfs(created_by: str) -> bool:
    return bool(_ROOTFS.search(created_by) or _FROM.match(created_by))
