"""The OCI image layout a build writes: blobs by digest, the image, and artifacts that
refer to it (image-spec v1.1: https://github.com/opencontainers/image-spec/blob/v1.1.0/).

Artifacts (the SBOM, the provenance) are manifests whose `subject` is the image's
manifest, listed in `index.json` with their `artifactType`, as ORAS and regclient store
referrers in a layout. Every JSON document is written compact with sorted keys, and the
layout tar has fixed owners and mtimes, so equal inputs give equal bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockwise.build.layer import LayerBlob

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"  # an artifact's config (image-spec manifest.md)
EMPTY_JSON = b"{}"


def canonical(value: Any) -> bytes:
    """Compact JSON with sorted keys, so equal documents have equal digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data), **extra}


class Layout:
    """An OCI image layout directory being written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.blobs.mkdir(parents=True, exist_ok=True)
        (root / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))

    def scratch(self, name: str) -> Path:
        """A path inside the layout for a blob being written (then `add_layer`)."""
        return self.root / f".{name}.partial"

    def add(self, media_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
        """Store `data` as a blob; its descriptor."""
        found = descriptor(media_type, data, **extra)
        (self.blobs / found["digest"].removeprefix("sha256:")).write_bytes(data)
        return found

    def add_layer(self, layer: LayerBlob) -> dict[str, Any]:
        """Move a written layer into the blobs; its descriptor."""
        os.replace(layer.path, self.blobs / layer.digest.removeprefix("sha256:"))
        return {"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}

    def image(self, config: bytes, layers: Sequence[dict[str, Any]],
              annotations: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
        """Store the config and manifest of an image; the manifest's descriptor."""
        manifest = canonical({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.add(OCI_CONFIG, config),
            "layers": list(layers),
            "annotations": dict(annotations),
        })
        return self.add(OCI_MANIFEST, manifest)

    def artifact(self, subject: dict[str, Any], media_type: str, data: bytes,
                 annotations: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
        """Store `data` as an artifact referring to `subject`; the index entry for it."""
        empty = self.add(OCI_EMPTY, EMPTY_JSON)
        manifest = canonical({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": media_type,
            "config": empty,
            "layers": [self.add(media_type, data, annotations=dict(annotations))],
            "subject": {k: subject[k] for k in ("mediaType", "digest", "size")},
            "annotations": dict(annotations),
        })
        return self.add(OCI_MANIFEST, manifest, artifactType=media_type,
                        annotations=dict(annotations))  # fmt: skip

    def write_index(self, entries: Sequence[dict[str, Any]]) -> None:
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(entries)}
        (self.root / "index.json").write_bytes(canonical(index))


def check_output(output: Path) -> None:
    """Refuse, before any work, an `output` that `publish` could not write without
    destroying something: a directory layout goes only where nothing is."""
    if not output.parent.is_dir():
        raise FileNotFoundError(f"{output.parent}: no such directory")
    if output.suffix != ".tar" and output.exists():
        if not output.is_dir() or any(output.iterdir()):
            raise FileExistsError(f"{output}: exists and is not an empty directory")


def publish(layout: Path, output: Path) -> None:
    """Put the finished layout at `output`: a directory, or an OCI archive for `*.tar`."""
    check_output(output)
    if output.suffix == ".tar":
        _tar(layout, output)
        return
    if output.exists():
        output.rmdir()
    shutil.move(str(layout), output)


def _tar(root: Path, output: Path) -> None:
    """The layout as a tar: sorted, root-owned, mtime 0 (what tools/imagepack.py writes)."""
    partial = output.with_name(f".{output.name}.partial")
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(root.rglob("*")):
            info = archive.gettarinfo(str(path), path.relative_to(root).as_posix())
            info.uid = info.gid = info.mtime = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if info.isdir() else 0o644
            if info.isreg():
                with path.open("rb") as content:
                    archive.addfile(info, content)
            else:
                archive.addfile(info)
    os.replace(partial, output)
