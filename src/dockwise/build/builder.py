"""`dockwise build`, start to end: bootstrap, layers, image, vetting, attached records.

The image is written into a scratch OCI layout first, vetted by the scan pipeline there,
and only then given its SBOM and provenance; the caller decides (policy) whether to
publish it.
"""

from __future__ import annotations

import platform
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockwise.build.bootstrap import Bootstrap, bootstrap
from dockwise.build.layer import LayerBlob, ordered, write_layer
from dockwise.build.oci import Layout, canonical
from dockwise.build.record import (
    CYCLONEDX,
    IN_TOTO,
    SLSA_PROVENANCE,
    BuildFacts,
    annotations,
    config_document,
    provenance,
    sbom,
)
from dockwise.build.rootfs import files_layer, package_layer
from dockwise.build.spec import BuildSpec
from dockwise.build.vetting import Vetting, vet
from dockwise.model import ScanResult

REF_NAME = "org.opencontainers.image.ref.name"
_MACHINE_TO_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


@dataclass(frozen=True, slots=True)
class Built:
    """A built and vetted image in its scratch layout, with the records attached."""

    layout: Path
    manifest: dict[str, Any]  # the image manifest's descriptor
    result: ScanResult
    facts: BuildFacts

    @property
    def digest(self) -> str:
        return self.manifest["digest"]


def build(spec: BuildSpec, work: Path, epoch: int | None, tag: str,
          vetting: Vetting) -> Built:  # fmt: skip
    """Build `spec` under `work` (a scratch directory); `epoch` is SOURCE_DATE_EPOCH if
    set, else the newest package's build time (so a rebuild of the same package set gives
    the same digest); `tag` is the layout's reference name."""
    boot = bootstrap(spec, work, epoch)
    epoch = epoch if epoch is not None else boot.packages_epoch
    layout = Layout(work / "layout")
    layers = _layers(spec, boot, layout, epoch)
    facts = BuildFacts(spec, boot, epoch, _architecture(boot), tuple(b.diff_id for b in layers))
    descriptors = [layout.add_layer(blob) for blob in layers]
    manifest = layout.image(canonical(config_document(facts)), descriptors, annotations(facts))
    entry = {**manifest, "annotations": {REF_NAME: tag},
             "platform": {"architecture": facts.architecture, "os": "linux"}}  # fmt: skip
    layout.write_index([entry])
    result = vet(f"oci-dir:{layout.root}", vetting)
    name = f"{tag}@{manifest['digest']}"
    layout.write_index([entry, *_records(layout, manifest, result, facts, name)])
    return Built(layout.root, manifest, result, facts)


def _layers(spec: BuildSpec, boot: Bootstrap, layout: Layout, epoch: int) -> list[LayerBlob]:
    """The packages layer and, when the spec copies files, the files layer above it."""
    with tarfile.open(boot.rootfs) as rootfs:
        base = package_layer(rootfs, boot.packages, epoch)
        blobs = [write_layer(ordered(base.entries), layout.scratch("packages"))]
    if spec.files:
        entries = ordered(files_layer(spec.files, base.paths, epoch))
        blobs.append(write_layer(entries, layout.scratch("files")))
    return blobs


def _records(layout: Layout, manifest: dict[str, Any], result: ScanResult,
             facts: BuildFacts, name: str) -> list[dict[str, Any]]:  # fmt: skip
    """The SBOM and the provenance, as artifacts referring to the image."""
    created = {"org.opencontainers.image.created": facts.created}
    statement = canonical(provenance(facts, manifest, name))
    return [
        layout.artifact(manifest, CYCLONEDX, sbom(result, facts, name), created),
        layout.artifact(manifest, IN_TOTO, statement,
                        {**created, "in-toto.io/predicate-type": SLSA_PROVENANCE}),
    ]  # fmt: skip


def _architecture(boot: Bootstrap) -> str:
    """The packages' architecture (an `all`-only set takes the host's)."""
    for package in boot.packages:
        if package.architecture and package.architecture != "all":
            return package.architecture
    machine = platform.machine().lower()
    return _MACHINE_TO_ARCH.get(machine, machine)
