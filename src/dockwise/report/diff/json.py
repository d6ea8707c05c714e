"""`dockwise diff --format json`: an `ImageDiff` in a documented, versioned shape.

The shape is `dockwise-diff/1` (docs/diff.md): fields are only ever added within a
version. Package and finding entries carry enough to act on (ids, versions, layers);
the full records are in each side's own `--format json` result.
"""

from __future__ import annotations

import json
from typing import Any

from dockwise.changes import (
    BaseChange,
    ConfigChange,
    FindingChange,
    ImageDiff,
    LayerChange,
    PackageChange,
    SizeChange,
)
from dockwise.model import LayerRef, ScanResult
from dockwise.model_json import finding_to_json

SCHEMA_ID = "dockwise-diff/1"

Json = dict[str, Any]


class DiffJsonReporter:
    """`--format json` for `dockwise diff`."""

    name = "json"

    def render(self, change: ImageDiff) -> str:
        # ensure_ascii: image strings are hostile, and the document may go to a terminal.
        return json.dumps(document(change), indent=2, ensure_ascii=True) + "\n"


def document(change: ImageDiff) -> Json:
    """The diff as plain JSON-ready data."""
    return {
        "schema": SCHEMA_ID,
        "mode": change.mode,
        "old": _side(change.old),
        "new": _side(change.new),
        "summary": _summary(change),
        "base": _base(change.base),
        "size": _size(change.stored_size),
        "uncompressed_size": _size(change.size),
        "compressed_size": _size(change.compressed_size),
        "packages": [_package(c) for c in change.packages],
        "vulnerabilities": [_finding(c) for c in change.vulnerabilities],
        "findings": [_finding(c) for c in change.findings],
        "config": [_config(c) for c in change.config],
        "layers": [_layer_change(c) for c in change.layers],
    }


def _summary(change: ImageDiff) -> Json:
    """Counts per list and change: {"packages": {"upgraded": 1}, "config": 1, ...}."""
    doc: Json = {}
    for name in ("packages", "vulnerabilities", "findings", "layers"):
        counts: dict[str, int] = {}
        for item in getattr(change, name):
            counts[item.change] = counts.get(item.change, 0) + 1
        doc[name] = dict(sorted(counts.items()))
    doc["config"] = len(change.config)
    return doc


def _side(result: ScanResult) -> Json:
    image = result.image
    distro = result.inventory.distro
    return {
        "source": image.source,
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "repo_tags": list(image.repo_tags),
        "distro": None if distro is None else f"{distro.id} {distro.version_id}".strip(),
        "packages": len(result.inventory.packages),
        "findings": sum(1 for f in result.findings if not f.suppressed),
        "layers": len(image.layers),
    }


def _size(size: SizeChange) -> Json:
    return {"old": size.old, "new": size.new, "delta": size.delta}


def _base(base: BaseChange) -> Json:
    return {"old": base.old, "new": base.new, "changed": base.changed, "basis": base.basis,
            "shared_layers": base.shared_layers}  # fmt: skip


def _package(change: PackageChange) -> Json:
    pkg = change.new or change.old
    return {
        "change": change.change,
        "name": change.name,
        "type": change.type,
        "purl": pkg.purl if pkg else "",
        "old_version": change.old_version,
        "new_version": change.new_version,
        "old_layer": _layer_index(change.old_layer),
        "new_layer": _layer_index(change.new_layer),
    }


def _finding(change: FindingChange) -> Json:
    """The finding as the native JSON writes it, with what changed."""
    return {"change": change.change, **finding_to_json(change.finding)}


def _config(change: ConfigChange) -> Json:
    return {"field": change.field, "key": change.key, "old": change.old, "new": change.new}


def _layer_change(change: LayerChange) -> Json:
    layer = change.layer
    return {"change": change.change, "index": layer.index, "diff_id": layer.diff_id,
            "created_by": layer.created_by, "size": layer.size,
            "uncompressed_size": layer.uncompressed_size}  # fmt: skip


def _layer_index(layer: LayerRef | None) -> int | None:
    return None if layer is None or layer.index < 0 else layer.index
