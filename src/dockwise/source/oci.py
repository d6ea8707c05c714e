"""OCI image layouts (image-spec image-layout.md): index -> manifest -> config + layers.

Used for `oci-dir:`, `oci-archive:` and the OCI-in-tar layout that Docker 25+ saves.
Every document read is checked against the digest that named it.
"""

from __future__ import annotations

import hashlib
import platform as host
from dataclasses import dataclass
from typing import Any

from dockwise.errors import SourceError
from dockwise.source.base import BlobLayer, Image
from dockwise.source.blob import Blob
from dockwise.source.blobstore import BlobStore, read_small
from dockwise.source.imageconfig import DIGEST, diff_ids, image_info, layer_refs, parse_json

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MAX_INDEX_DEPTH = 4
_MACHINE_TO_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}


_DEFAULT_VARIANT = {"arm64": "v8"}


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise SourceError(f"--platform {text!r}: expected os/arch or os/arch/variant")
        return cls(*parts)

    @classmethod
    def of(cls, spec: dict[str, Any]) -> Platform:
        """The platform of an index entry's `platform` object."""
        return cls(
            str(spec.get("os", "")), str(spec.get("architecture", "")), str(spec.get("variant", ""))
        )

    @classmethod
    def host(cls) -> Platform:
        machine = host.machine().lower()
        return cls("linux", _MACHINE_TO_ARCH.get(machine, machine))

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def admits(self, other: Platform) -> bool:
        """Whether an image for `other` is what this request asks for: a request without a
        variant takes any variant, as `docker pull --platform linux/arm64` does."""
        same = (self.os, self.architecture) == (other.os, other.architecture)
        return same and (not self.variant or self.variant == other.normal_variant)

    @property
    def normal_variant(self) -> str:
        """The variant, or the one an empty variant means (containerd's platforms.Normalize:
        arm64 images rarely name their v8)."""
        return self.variant or _DEFAULT_VARIANT.get(self.architecture, "")


def open_layout(store: BlobStore, source: str, scheme: str, platform: Platform | None) -> Image:
    """Resolve `index.json` down to one image manifest and describe that image."""
    index = parse_json(read_small(store, "index.json"), "index.json")
    descriptor = _choose(store, index, platform, depth=0)
    return image_from_manifest(store, descriptor, source, scheme)


def image_from_manifest(
    store: BlobStore, descriptor: dict[str, Any], source: str, scheme: str
) -> Image:
    """An image from its manifest descriptor: verified manifest, config and layer blobs."""
    manifest_digest = descriptor["digest"]
    manifest = parse_json(read_blob(store, manifest_digest), f"manifest {manifest_digest}")
    config_desc = _descriptor(manifest.get("config"), f"manifest {manifest_digest}: config")
    config = parse_json(read_blob(store, config_desc["digest"]), f"config {config_desc['digest']}")
    layers = [_descriptor(d, f"manifest {manifest_digest}: layer") for d in _layers(manifest)]
    ids = diff_ids(config, f"config {config_desc['digest']}")
    if len(ids) != len(layers):
        raise SourceError(
            f"manifest {manifest_digest}: {len(layers)} layers but the config lists {len(ids)}"
        )
    refs = layer_refs(config, ids, [d["digest"] for d in layers], [d["size"] for d in layers])
    blobs = [_layer_blob(store, d, diff_id) for d, diff_id in zip(layers, ids, strict=True)]
    info = image_info(
        config,
        refs,
        source=source,
        scheme=scheme,
        manifest_digest=manifest_digest,
        config_digest=config_desc["digest"],
        annotations=tuple(sorted(_annotations(manifest).items())),
    )
    layers = [BlobLayer(ref, blob) for ref, blob in zip(refs, blobs, strict=True)]
    return Image(info, layers, config=config)


def blob_path(digest: str) -> str:
    algorithm, _, hexdigest = digest.partition(":")
    return f"blobs/{algorithm}/{hexdigest}"


def read_blob(store: BlobStore, digest: str) -> bytes:
    """A small blob, verified against its digest."""
    data = read_small(store, blob_path(digest))
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise SourceError(f"blob {digest}: digest mismatch (got {actual})")
    return data


def _layer_blob(store: BlobStore, descriptor: dict[str, Any], diff_id: str) -> Blob:
    path = blob_path(descriptor["digest"])
    if not store.exists(path):
        raise SourceError(f"blob {descriptor['digest']}: missing from the image")
    return Blob(
        name=descriptor["digest"],
        open=lambda: store.open(path),
        size=descriptor["size"],
        digest=descriptor["digest"],
        diff_id=diff_id,
    )


def _choose(
    store: BlobStore, index: dict[str, Any], platform: Platform | None, depth: int
) -> dict[str, Any]:
    """Walk (nested) indexes to the one manifest for the platform."""
    if depth > MAX_INDEX_DEPTH:
        raise SourceError("image index nests too deeply")
    manifests = [_descriptor(d, "index manifest") for d in _list(index.get("manifests"))]
    images = [d for d in manifests if not _is_attestation(d) and "artifactType" not in d]
    if not images:
        raise SourceError("image index lists no image manifests")
    picked = _pick(images, platform)
    if picked.get("mediaType") in INDEX_TYPES:
        nested = parse_json(read_blob(store, picked["digest"]), f"index {picked['digest']}")
        return _choose(store, nested, platform, depth + 1)
    return picked


def _pick(images: list[dict[str, Any]], platform: Platform | None) -> dict[str, Any]:
    if len(images) == 1 and platform is None:
        return images[0]
    wanted = platform or Platform.host()
    matches = [d for d in images if _matches(d.get("platform"), wanted)]
    if matches and (platform is not None or len(matches) == 1 or _same_digest(matches)):
        return matches[0]
    if len(images) == 1 and not isinstance(images[0].get("platform"), dict):
        return images[0]  # a single untagged manifest: nothing to choose between
    available = ", ".join(sorted({_platform_text(d) for d in images}))
    hint = "" if platform else " (use --platform)"
    raise SourceError(f"no single image for platform {wanted}; available: {available}{hint}")


def _matches(spec: Any, wanted: Platform) -> bool:
    return isinstance(spec, dict) and wanted.admits(Platform.of(spec))


def _same_digest(descriptors: list[dict[str, Any]]) -> bool:
    return len({d["digest"] for d in descriptors}) == 1


def _platform_text(descriptor: dict[str, Any]) -> str:
    spec = descriptor.get("platform")
    if not isinstance(spec, dict):
        name = _annotations(descriptor).get("org.opencontainers.image.ref.name", "")
        return f"untagged manifest {descriptor['digest'][:19]}" + (f" ({name})" if name else "")
    return str(Platform.of(spec))


def _is_attestation(descriptor: dict[str, Any]) -> bool:
    """A buildx attestation manifest; OCI 1.1 artifacts (SBOMs, provenance referring to an
    image) are told by their `artifactType` instead."""
    spec = descriptor.get("platform")
    if _annotations(descriptor).get("vnd.docker.reference.type") == "attestation-manifest":
        return True
    return isinstance(spec, dict) and spec.get("os") == "unknown"


def _descriptor(value: Any, what: str) -> dict[str, Any]:
    """A content descriptor with a sha256 digest and a non-negative integer size."""
    if not isinstance(value, dict):
        raise SourceError(f"{what}: malformed descriptor")
    digest, size = value.get("digest"), value.get("size")
    if not isinstance(digest, str) or not DIGEST.match(digest):
        raise SourceError(f"{what}: missing or unsupported digest {digest!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SourceError(f"{what} {digest}: malformed size")
    return value


def _layers(manifest: dict[str, Any]) -> list[Any]:
    layers = manifest.get("layers")
    if not isinstance(layers, list):
        raise SourceError("manifest: layers is missing or not a list")
    return layers


def _annotations(doc: dict[str, Any]) -> dict[str, str]:
    value = doc.get("annotations")
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
