"""Write container images (docker-archive, OCI layout) from plain Python data.

The test suite builds its images in ``tmp_path`` with this module instead of committing
opaque tarballs (STYLE.md §8.5), and ``demo/build_demo.py`` builds the bundled demo image
with it. Standard library only, plus ``zstandard`` for zstd layers. Output is deterministic
(fixed mtimes, numeric owners, gzip without a timestamp, sorted JSON keys), so the same
input always gives the same bytes and tests can assert digests.

Formats written:
- docker save, classic: https://github.com/moby/moby/blob/master/image/spec/v1.2.md
- docker save, Docker 25+: an OCI layout plus ``manifest.json`` and ``repositories``
- OCI image layout: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import zstandard

Kind = Literal["file", "dir", "symlink", "hardlink", "char", "block", "fifo"]
Compression = Literal["gzip", "zstd", "none"]
TarFormat = Literal["pax", "gnu", "ustar"]
MediaTypes = Literal["oci", "docker"]

EPOCH_ISO = "1970-01-01T00:00:00Z"
REF_NAME = "org.opencontainers.image.ref.name"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
IN_TOTO = "application/vnd.in-toto+json"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v0.2"

# Docker's schema 2 has no zstd layer type; containerd and buildx use the OCI one there.
LAYER_MEDIA_TYPES: Mapping[tuple[MediaTypes, Compression], str] = {
    ("oci", "none"): "application/vnd.oci.image.layer.v1.tar",
    ("oci", "gzip"): "application/vnd.oci.image.layer.v1.tar+gzip",
    ("oci", "zstd"): "application/vnd.oci.image.layer.v1.tar+zstd",
    ("docker", "none"): "application/vnd.docker.image.rootfs.diff.tar",
    ("docker", "gzip"): "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ("docker", "zstd"): "application/vnd.oci.image.layer.v1.tar+zstd",
}

_TAR_TYPES: Mapping[str, bytes] = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}
_DEFAULT_MODES: Mapping[str, int] = {"dir": 0o755, "symlink": 0o777}
_TAR_FORMATS: Mapping[str, int] = {
    "pax": tarfile.PAX_FORMAT,
    "gnu": tarfile.GNU_FORMAT,
    "ustar": tarfile.USTAR_FORMAT,
}
_GZIP_LEVEL = 6  # the level Go's and Docker's gzip writers default to
_ZSTD_LEVEL = 3  # zstd's own default, as containerd uses


@dataclass(frozen=True, slots=True)
class Member:
    """One tar entry of a layer.

    `path` is written exactly as given (``../x``, ``/abs``, ``.wh.x``); for a name that is
    not UTF-8, pass its bytes decoded with ``surrogateescape``.
    """

    path: str
    data: bytes = b""
    kind: Kind = "file"
    target: str = ""  # link target for symlinks and hardlinks
    mode: int | None = None  # None: 0o755 for dirs, 0o777 for symlinks, else 0o644
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    device: tuple[int, int] = (0, 0)  # (major, minor) for char and block devices
    xattrs: Mapping[str, bytes] = field(default_factory=dict)  # "security.capability": ...

    def __post_init__(self) -> None:
        if self.kind not in _TAR_TYPES:
            raise ValueError(f"{self.path}: unknown member kind {self.kind!r}")


@dataclass(frozen=True, slots=True)
class PackedLayer:
    """A layer the caller compressed itself: a stream too large to build in memory (a
    sparse file of gigabytes), written as concatenated gzip members or zstd frames."""

    blob: bytes  # as stored
    diff_id: str  # sha256 of the uncompressed tar
    compression: Compression = "gzip"


# A layer: {path: content} (written sorted), Members in order (duplicates kept), a
# ready-made uncompressed tar (for truncated or otherwise broken layers), or a PackedLayer.
LayerInput = Mapping[str, bytes | str | Member] | Sequence[Member] | bytes | PackedLayer


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """One image: its layers, the OCI ``config`` section, history and platform."""

    layers: Sequence[LayerInput] = ()
    config: Mapping[str, Any] = field(default_factory=dict)  # Env, Cmd, User, Labels, ...
    history: Sequence[str] | None = None  # created_by per layer; None: no history at all
    empty_history: Sequence[tuple[int, str]] = ()  # (after layer index or -1, created_by)
    compression: Compression | Sequence[Compression] = "gzip"  # one for all, or per layer
    created: str = EPOCH_ISO
    os: str = "linux"
    architecture: str = "amd64"
    variant: str = ""
    media_types: MediaTypes = "oci"  # manifest, config and layer media types
    config_overrides: Mapping[str, Any] = field(default_factory=dict)  # top-level, wins

    def __post_init__(self) -> None:
        if self.history is not None and len(self.history) != len(self.layers):
            raise ValueError(f"history has {len(self.history)} entries for "
                             f"{len(self.layers)} layers")
        if not isinstance(self.compression, str) and len(self.compression) != len(self.layers):
            raise ValueError(f"compression has {len(self.compression)} entries for "
                             f"{len(self.layers)} layers")

    def layer_compression(self, index: int) -> Compression:
        """The compression of layer `index`."""
        if isinstance(self.compression, str):
            return self.compression
        return self.compression[index]

    @property
    def platform(self) -> dict[str, str]:
        """The OCI platform object of this image."""
        platform = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            platform["variant"] = self.variant
        return platform


@dataclass(frozen=True, slots=True)
class BuiltLayer:
    """A layer as stored: `blob` is what the manifest's `digest` names."""

    diff_id: str  # sha256 of the uncompressed tar, as in config rootfs.diff_ids
    digest: str  # sha256 of `blob`
    media_type: str
    blob: bytes


@dataclass(frozen=True, slots=True)
class BuiltImage:
    """The bytes of one image, exactly as every writer stores them."""

    spec: ImageSpec
    config: bytes
    manifest: bytes
    layers: tuple[BuiltLayer, ...]

    @property
    def config_digest(self) -> str:
        return digest(self.config)

    @property
    def manifest_digest(self) -> str:
        return digest(self.manifest)

    @property
    def manifest_media_type(self) -> str:
        return DOCKER_MANIFEST if self.spec.media_types == "docker" else OCI_MANIFEST

    def descriptor(self, *, platform: bool = False,
                   annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The OCI descriptor that points an index at this image's manifest."""
        found = _descriptor(self.manifest_media_type, self.manifest)
        if annotations:
            found["annotations"] = dict(annotations)
        if platform:
            found["platform"] = self.spec.platform
        return found


def whiteout(path: str) -> Member:
    """The ``.wh.NAME`` entry that deletes `path` from lower layers."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return Member(f"{parent}/.wh.{name}" if parent else f".wh.{name}")


def opaque(directory: str) -> Member:
    """The ``.wh..wh..opq`` entry that hides everything lower layers put in `directory`."""
    return Member(f"{directory.rstrip('/')}/.wh..wh..opq")


def digest(data: bytes) -> str:
    """The ``sha256:<hex>`` content digest of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(members: LayerInput, tar_format: TarFormat = "pax") -> bytes:
    """Serialise a layer to an uncompressed tar; long names use PAX or GNU headers."""
    if isinstance(members, bytes | bytearray):
        return bytes(members)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=_TAR_FORMATS[tar_format]) as archive:
        for member in _members(members):
            content = io.BytesIO(member.data) if member.kind == "file" else None
            archive.addfile(_tarinfo(member), content)
    return buffer.getvalue()


def compress(data: bytes, method: Compression) -> bytes:
    """Compress a layer blob; gzip carries mtime 0 so the digest is reproducible."""
    if method == "gzip":
        return gzip.compress(data, compresslevel=_GZIP_LEVEL, mtime=0)
    if method == "zstd":
        return zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(data)
    if method == "none":
        return data
    raise ValueError(f"{method!r}: unknown compression")


def build_image(spec: ImageSpec) -> BuiltImage:
    """Build config, manifest and layer blobs in memory; the writers store exactly these."""
    layers = tuple(_build_layer(layer, spec.layer_compression(i), spec.media_types)
                   for i, layer in enumerate(spec.layers))
    config = _json(_config_doc(spec, layers))
    config_type = DOCKER_CONFIG if spec.media_types == "docker" else OCI_CONFIG
    manifest_type = DOCKER_MANIFEST if spec.media_types == "docker" else OCI_MANIFEST
    manifest = _json({
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": _descriptor(config_type, config),
        "layers": [_descriptor(layer.media_type, layer.blob) for layer in layers],
    })
    return BuiltImage(spec, config, manifest, layers)


def write_docker_archive(spec: ImageSpec, path: str | Path,
                         tags: Sequence[str] = ("demo:latest",),
                         oci_layout: bool = False) -> None:
    """Write a ``docker save`` tar: classic layout, or Docker 25+'s OCI layout."""
    image = build_image(spec)
    files = _docker_oci_files(image, tags) if oci_layout else _docker_classic_files(image, tags)
    _write_tar(files, Path(path))


def write_oci_dir(images: ImageSpec | Sequence[ImageSpec], path: str | Path,
                  index_annotations: Mapping[str, str] | None = None, *,
                  nested: bool = False, attestations: bool = False) -> None:
    """Write an OCI image layout directory; see `oci_layout_files` for the options."""
    _write_dir(oci_layout_files(images, index_annotations, nested=nested,
                                attestations=attestations), Path(path))


def write_oci_archive(images: ImageSpec | Sequence[ImageSpec], path: str | Path,
                      index_annotations: Mapping[str, str] | None = None, *,
                      nested: bool = False, attestations: bool = False) -> None:
    """Write an OCI image layout as a tar (what ``oci-archive:`` and buildx produce)."""
    _write_tar(oci_layout_files(images, index_annotations, nested=nested,
                                attestations=attestations), Path(path))


def oci_layout_files(images: ImageSpec | Sequence[ImageSpec],
                     index_annotations: Mapping[str, str] | None = None, *,
                     nested: bool = False, attestations: bool = False) -> dict[str, bytes]:
    """The files of an OCI layout: ``{relative path: bytes}``.

    A list of specs becomes a multi-platform index. `index_annotations` go on the
    descriptors in ``index.json`` (default: ref name ``latest``; ``{}`` for none).
    `nested` puts an image index blob between ``index.json`` and the manifests, as buildx
    does; `attestations` adds a buildx provenance manifest (platform unknown/unknown) per
    image.
    """
    single = isinstance(images, ImageSpec)
    specs: Sequence[ImageSpec] = [images] if isinstance(images, ImageSpec) else images
    blobs: dict[str, bytes] = {}
    entries: list[dict[str, Any]] = []
    for image in map(build_image, specs):
        _add_blobs(blobs, image.config, image.manifest, *(layer.blob for layer in image.layers))
        # Like docker save, a lone image's entry carries no platform; index entries must.
        entries.append(image.descriptor(platform=not single or attestations))
        if attestations:
            entries.append(_attestation(image, blobs))
    annotations = {REF_NAME: "latest"} if index_annotations is None else dict(index_annotations)
    if nested:
        inner = _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        _add_blobs(blobs, inner)
        entries = [_descriptor(OCI_INDEX, inner)]
    return _layout_files(blobs, [_annotate(entry, annotations) for entry in entries])


# --- layers and config -------------------------------------------------------------------


def _members(layer: Mapping[str, bytes | str | Member] | Sequence[Member]) -> list[Member]:
    """Members of a layer: a mapping is sorted by path, a sequence is kept as given."""
    if isinstance(layer, Mapping):
        return [_as_member(path, layer[path]) for path in sorted(layer)]
    return list(layer)


def _as_member(path: str, value: bytes | str | Member) -> Member:
    """A mapping value as a Member; the mapping key is the path."""
    if isinstance(value, Member):
        return replace(value, path=path)
    return Member(path, value.encode() if isinstance(value, str) else bytes(value))


def _tarinfo(member: Member) -> tarfile.TarInfo:
    """A TarInfo with no host data in it (no user names, no real mtimes)."""
    info = tarfile.TarInfo(member.path)
    info.type = _TAR_TYPES[member.kind]
    info.mode = member.mode if member.mode is not None else _DEFAULT_MODES.get(member.kind, 0o644)
    info.uid, info.gid, info.mtime = member.uid, member.gid, member.mtime
    info.uname = info.gname = ""
    info.linkname = member.target
    info.devmajor, info.devminor = member.device
    info.size = len(member.data) if member.kind == "file" else 0
    # as Docker and GNU tar store xattrs; binary values make tarfile add hdrcharset=BINARY
    info.pax_headers = {f"SCHILY.xattr.{name}": value.decode("utf-8", "surrogateescape")
                        for name, value in member.xattrs.items()}  # fmt: skip
    return info


def _build_layer(layer: LayerInput, method: Compression, media_types: MediaTypes) -> BuiltLayer:
    if isinstance(layer, PackedLayer):
        media_type = LAYER_MEDIA_TYPES[media_types, layer.compression]
        return BuiltLayer(layer.diff_id, digest(layer.blob), media_type, layer.blob)
    tar = layer_tar(layer)
    blob = compress(tar, method)
    return BuiltLayer(digest(tar), digest(blob), LAYER_MEDIA_TYPES[media_types, method], blob)


def _config_doc(spec: ImageSpec, layers: Sequence[BuiltLayer]) -> dict[str, Any]:
    """The image config JSON (OCI image-spec config.md)."""
    doc: dict[str, Any] = {
        "architecture": spec.architecture,
        "os": spec.os,
        "created": spec.created,
        "config": dict(spec.config),
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
    }
    if spec.variant:
        doc["variant"] = spec.variant
    history = _history(spec)
    if history is not None:
        doc["history"] = history
    doc.update(spec.config_overrides)
    return doc


def _history(spec: ImageSpec) -> list[dict[str, Any]] | None:
    """One entry per layer, with the empty-layer entries (ENV, CMD, ...) interleaved."""
    if spec.history is None and not spec.empty_history:
        return None
    created_by = list(spec.history) if spec.history is not None else [""] * len(spec.layers)
    empties: dict[int, list[str]] = {}
    for after, text in spec.empty_history:
        empties.setdefault(max(after, -1), []).append(text)
    entries = [_history_entry(spec.created, text, True) for text in empties.get(-1, [])]
    for index, text in enumerate(created_by):
        entries.append(_history_entry(spec.created, text, False))
        entries.extend(_history_entry(spec.created, t, True) for t in empties.get(index, []))
    return entries


def _history_entry(created: str, created_by: str, empty: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"created": created, "created_by": created_by}
    if empty:
        entry["empty_layer"] = True
    return entry


def _attestation(image: BuiltImage, blobs: dict[str, bytes]) -> dict[str, Any]:
    """A buildx-style provenance attestation manifest for `image`; returns its descriptor."""
    statement = _json({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA_PROVENANCE,
        "subject": [{"name": "pkg:docker/demo@latest",
                     "digest": {"sha256": image.manifest_digest.removeprefix("sha256:")}}],
        "predicate": {"buildType": "https://mobyproject.org/buildkit@v1"},
    })
    config = _json({"architecture": "unknown", "os": "unknown", "config": {},
                    "rootfs": {"type": "layers", "diff_ids": [digest(statement)]}})
    layer = _descriptor(IN_TOTO, statement)
    layer["annotations"] = {"in-toto.io/predicate-type": SLSA_PROVENANCE}
    manifest = _json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                      "config": _descriptor(OCI_CONFIG, config), "layers": [layer]})
    _add_blobs(blobs, statement, config, manifest)
    found = _descriptor(OCI_MANIFEST, manifest)
    found["annotations"] = {"vnd.docker.reference.digest": image.manifest_digest,
                            "vnd.docker.reference.type": "attestation-manifest"}
    found["platform"] = {"architecture": "unknown", "os": "unknown"}
    return found


# --- archive layouts ---------------------------------------------------------------------


def _docker_classic_files(image: BuiltImage, tags: Sequence[str]) -> dict[str, bytes]:
    """``docker save`` before Docker 25: one ``<id>/layer.tar`` directory per layer.

    Layer directories are named by chain ID (unique per position, so a repeated layer
    gets its own directory), like Docker's v1 IDs and unlike the diff_id.
    """
    files = {f"{image.config_digest.removeprefix('sha256:')}.json": image.config}
    layer_paths, parent = [], ""
    for layer in image.layers:
        layer_id = _chain_id(parent, layer.diff_id)
        legacy = {"id": layer_id, "created": image.spec.created, "os": image.spec.os}
        files[f"{layer_id}/VERSION"] = b"1.0"
        files[f"{layer_id}/json"] = _json({**legacy, "parent": parent} if parent else legacy)
        files[f"{layer_id}/layer.tar"] = layer.blob
        layer_paths.append(f"{layer_id}/layer.tar")
        parent = layer_id
    files["manifest.json"] = _docker_manifest(
        f"{image.config_digest.removeprefix('sha256:')}.json", layer_paths, tags)
    files["repositories"] = _repositories(tags, parent)
    return files


def _docker_oci_files(image: BuiltImage, tags: Sequence[str]) -> dict[str, bytes]:
    """``docker save`` from Docker 25 on: an OCI layout that also has ``manifest.json``."""
    blobs: dict[str, bytes] = {}
    _add_blobs(blobs, image.config, image.manifest, *(layer.blob for layer in image.layers))
    entries = [image.descriptor(annotations=_containerd_annotations(tag)) for tag in tags]
    files = _layout_files(blobs, entries or [image.descriptor()])
    layer_paths = [_blob_path(layer.digest) for layer in image.layers]
    files["manifest.json"] = _docker_manifest(_blob_path(image.config_digest), layer_paths, tags)
    last = image.layers[-1].digest.removeprefix("sha256:") if image.layers else ""
    files["repositories"] = _repositories(tags, last)
    return files


def _docker_manifest(config: str, layers: list[str], tags: Sequence[str]) -> bytes:
    """Docker writes ``RepoTags: null`` for an untagged image."""
    return _json([{"Config": config, "RepoTags": list(tags) or None, "Layers": layers}])


def _repositories(tags: Sequence[str], top_layer: str) -> bytes:
    """The legacy ``repositories`` file: {repo: {tag: top layer id}}."""
    repos: dict[str, dict[str, str]] = {}
    for repo, tag in map(_split_tag, tags):
        repos.setdefault(repo, {})[tag] = top_layer
    return _json(repos)


def _containerd_annotations(tag: str) -> dict[str, str]:
    """The annotations Docker 25+ puts on each tagged entry of ``index.json``."""
    repo, short = _split_tag(tag)
    return {"io.containerd.image.name": f"{_full_repo(repo)}:{short}", REF_NAME: short}


def _split_tag(reference: str) -> tuple[str, str]:
    """``repo[:tag]`` → (repo, tag); a registry port is not a tag."""
    repo, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, "latest"
    return repo, tag


def _full_repo(repo: str) -> str:
    """Docker's normalised name: ``demo`` → ``docker.io/library/demo``."""
    first, sep, _ = repo.partition("/")
    if not sep:
        return f"docker.io/library/{repo}"
    if "." in first or ":" in first or first == "localhost":
        return repo
    return f"docker.io/{repo}"


def _chain_id(parent: str, diff_id: str) -> str:
    """OCI ChainID hex: sha256(parent chain ID + " " + diff_id); the first is the diff_id."""
    if not parent:
        return diff_id.removeprefix("sha256:")
    return hashlib.sha256(f"sha256:{parent} {diff_id}".encode()).hexdigest()


def _layout_files(blobs: Mapping[str, bytes], entries: list[dict[str, Any]]) -> dict[str, bytes]:
    files = {_blob_path(name): data for name, data in blobs.items()}
    files["oci-layout"] = _json({"imageLayoutVersion": "1.0.0"})
    files["index.json"] = _json({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                 "manifests": entries})
    return files


def _annotate(entry: dict[str, Any], annotations: Mapping[str, str]) -> dict[str, Any]:
    """Add ref-name annotations to image entries; attestation entries stay as they are."""
    if not annotations or "vnd.docker.reference.type" in entry.get("annotations", {}):
        return entry
    return {**entry, "annotations": {**entry.get("annotations", {}), **annotations}}


def _add_blobs(blobs: dict[str, bytes], *contents: bytes) -> None:
    for content in contents:
        blobs[digest(content)] = content


def _blob_path(name: str) -> str:
    algorithm, _, hex_digest = name.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


def _descriptor(media_type: str, content: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest(content), "size": len(content)}


def _json(value: Any) -> bytes:
    """Compact JSON with sorted keys, so equal documents have equal digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


# --- output ------------------------------------------------------------------------------


def _write_tar(files: Mapping[str, bytes], path: Path) -> None:
    """Write `files` as a tar, sorted, with their parent directories, all at mtime 0."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in _with_parents(files):
            kind: Kind = "file" if data is not None else "dir"
            member = Member(name, data or b"", kind=kind)
            archive.addfile(_tarinfo(member), io.BytesIO(member.data) if data is not None else None)


def _with_parents(files: Mapping[str, bytes]) -> Iterator[tuple[str, bytes | None]]:
    """Sorted entries, each preceded by its not-yet-written parent directories."""
    seen: set[str] = set()
    for name in sorted(files):
        parts = name.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent not in seen:
                seen.add(parent)
                yield parent, None
        yield name, files[name]


def _write_dir(files: Mapping[str, bytes], root: Path) -> None:
    for name, data in sorted(files.items()):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
