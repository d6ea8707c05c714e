"""`dockwise patch`, start to end: vet the image, ask apt for the fixed packages, write
the image again with one more layer, and vet the result (the diff says what was fixed).

The original layers are copied byte for byte, so their digests stay; the config keeps
everything it had, with the new layer's diff_id and a history entry naming the upgrades.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dockwise.build.bootstrap import DebPackage
from dockwise.build.distro import image_release
from dockwise.build.dpkgdb import GLOBS, DpkgDatabase, read_database
from dockwise.build.indices import apt_state, madison
from dockwise.build.layer import ordered, write_layer
from dockwise.build.oci import Layout, canonical
from dockwise.build.patch import Change, PatchError, download, fixable, plan
from dockwise.build.patchlayer import patch_entries
from dockwise.build.vetting import Vetting, vet
from dockwise.catalog.base import DEFAULT_MAX_SIZE
from dockwise.model import ScanResult
from dockwise.options import RegistryAccess
from dockwise.source import open_source
from dockwise.source.base import Image
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector

REF_NAME = "org.opencontainers.image.ref.name"
LAYER_TYPES = {b"\x1f\x8b": "+gzip", b"\x28\xb5": "+zstd"}  # by the blob's magic bytes
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
PATCHED_FROM = "dev.dockwise.patch.source.digest"  # the manifest a patch started from


@dataclass(frozen=True, slots=True)
class PatchSettings:
    """Where the fixes come from and what a patch may do, as the command's flags say."""

    sources: tuple[str, ...] = ()  # apt sources lines; (): the image release's suites
    keyring: str | None = None
    allow_new: bool = False
    tag: str = "latest"
    access: RegistryAccess = RegistryAccess()


@dataclass(frozen=True, slots=True)
class Patched:
    """The patched image in its scratch layout (None: nothing had a fix to apply)."""

    layout: Path | None
    digest: str
    changes: tuple[Change, ...]
    scripts: tuple[tuple[str, tuple[str, ...]], ...]  # (package, maintainer scripts not run)
    before: ScanResult
    after: ScanResult | None


def patch(source: str, work: Path, vetting: Vetting, settings: PatchSettings,
          epoch: int | None) -> Patched:  # fmt: skip
    """Patch the image `source` under `work`; `epoch` is SOURCE_DATE_EPOCH if set, else
    the newest fixed package's build time (the same fixes give the same digest)."""
    before = vet(source, vetting, no_cache=False)
    image = open_source(source, access=settings.access)
    db = _database(image, source)
    release, default_sources = image_release(before.inventory.distro)
    architecture = before.image.architecture or "amd64"
    sources = settings.sources or default_sources
    with apt_state(sources, settings.keyring, architecture, db.status()) as apt:
        fixes = fixable(before, madison(apt, [r.name for r in db.records]), release)
        if not fixes:
            return Patched(None, before.image.manifest_digest, (), (), before, None)
        changes = plan(apt, fixes, db, release, settings.allow_new)
        debs = download(apt, changes)
        epoch = epoch if epoch is not None else max(deb.built for deb, _ in debs)
        layout, digest = _write(image, db, debs, work, epoch, settings.tag, changes)
    scripts = tuple((deb.name, deb.scripts) for deb, _ in debs if deb.scripts)
    after = vet(f"oci-dir:{layout}", vetting)
    return Patched(layout, digest, tuple(changes), scripts, before, after)


def _database(image: Image, source: str) -> DpkgDatabase:
    selector = Selector.build(dict.fromkeys(GLOBS, DEFAULT_MAX_SIZE), ())
    tree = FileTree.from_layers(layer.analyze(selector) for layer in image.layers)
    db = read_database(tree)
    if db is None or not db.records:
        raise PatchError(f"{source}: no dpkg package database (var/lib/dpkg/status or "
                         "status.d): nothing dockwise can patch")  # fmt: skip
    if image.config is None:
        raise PatchError(f"{source}: no image config to keep: nothing dockwise can patch")
    return db


def _write(image: Image, db: DpkgDatabase, debs: list[tuple[DebPackage, Path]], work: Path,
           epoch: int, tag: str, changes: list[Change]) -> tuple[Path, str]:  # fmt: skip
    """The patched image as an OCI layout under `work`; its manifest digest."""
    layout = Layout(work / "layout")
    descriptors = [_copy_layer(layout, layer) for layer in image.layers]
    unpack = work / "unpacked"
    unpack.mkdir()
    blob = write_layer(ordered(patch_entries(db, debs, unpack, epoch)), layout.scratch("patch"))
    descriptors.append(layout.add_layer(blob))
    created = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = _config(image.config or {}, blob.diff_id, changes, created)
    manifest = layout.image(canonical(config), descriptors, _annotations(image, created))
    platform = {"architecture": image.info.architecture, "os": image.info.os or "linux",
                **({"variant": image.info.variant} if image.info.variant else {})}  # fmt: skip
    layout.write_index([{**manifest, "annotations": {REF_NAME: tag}, "platform": platform}])
    return layout.root, manifest["digest"]


def _annotations(image: Image, created: str) -> dict[str, str]:
    """The original's annotations (its base is still the patched image's base), with the
    patch's time and the digest it patched; dockwise's own reading notes left out."""
    notes = {k: v for k, v in image.info.annotations if not k.startswith("io.dockwise.")}
    notes["org.opencontainers.image.created"] = created
    if image.info.manifest_digest:
        notes[PATCHED_FROM] = image.info.manifest_digest
    return notes


def _copy_layer(layout: Layout, layer: Any) -> dict[str, Any]:
    """An original layer blob, copied as stored (its digest checked) into the layout."""
    blob = getattr(layer, "blob", None)
    if blob is None:
        raise PatchError("the image's layers cannot be copied (not stored as blobs)")
    partial, digest, size, head = layout.scratch("copy"), hashlib.sha256(), 0, b""
    with blob.open() as source, partial.open("wb") as out:
        while chunk := source.read(1 << 20):
            head = head or chunk[:2]
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    found = "sha256:" + digest.hexdigest()
    if blob.digest and blob.digest != found:
        raise PatchError(f"layer {blob.name}: digest mismatch (got {found})")
    os.replace(partial, layout.blobs / digest.hexdigest())
    return {"mediaType": OCI_LAYER + LAYER_TYPES.get(head, ""), "digest": found, "size": size}


def _config(original: Mapping[str, Any], diff_id: str, changes: list[Change],
            created: str) -> dict[str, Any]:  # fmt: skip
    """The image's config with the new layer: its diff_id and a history entry."""
    config = copy.deepcopy(dict(original))
    rootfs = config.get("rootfs") if isinstance(config.get("rootfs"), dict) else {}
    config["rootfs"] = {**rootfs, "type": "layers",
                        "diff_ids": [*rootfs.get("diff_ids", []), diff_id]}  # fmt: skip
    upgraded = ", ".join(f"{c.package} {c.installed or '(new)'} -> {c.version}" for c in changes)
    history = config.get("history") if isinstance(config.get("history"), list) else []
    config["history"] = [*history, {"created": created, "created_by": "dockwise patch",
                                    "comment": f"upgraded {upgraded}"}]  # fmt: skip
    return config
