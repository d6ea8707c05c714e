"""dockwise's own JSON: everything in an `ScanResult`, in a documented, versioned shape.

The shape is described in docs/json-output.md and by `schemas/dockwise-sbom-1.schema.json`,
which ships in the package. Within `dockwise-sbom/1` fields are only ever added; a rename or
removal bumps the schema to `/2`. Key order is fixed by construction, so the same result
always gives the same bytes.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from dockwise.model import (
    Distro,
    FileRecord,
    Finding,
    HistoryEntry,
    ImageInfo,
    LayerRef,
    Package,
    RunConfig,
    ScanResult,
    ScanWarning,
)
from dockwise.report.rating_json import rating_json

SCHEMA_ID = "dockwise-sbom/1"
SCHEMA_FILE = "dockwise-sbom-1.schema.json"

Json = dict[str, Any]


def load_schema() -> Json:
    """The JSON Schema of this output, as shipped in the package."""
    ref = resources.files("dockwise.report").joinpath("schemas", SCHEMA_FILE)
    return json.loads(ref.read_text(encoding="utf-8"))


class NativeJsonReporter:
    """`--format json`.

    Package file lists are left out by default (a Debian image owns tens of thousands of
    paths, which would dwarf the rest); `files_count` says how many there are, and
    `include_files=True` adds the lists.
    """

    name = "json"

    def __init__(self, include_files: bool = False) -> None:
        self.include_files = include_files

    def render(self, result: ScanResult) -> str:
        # ensure_ascii escapes every non-ASCII and control character, so the document is
        # safe to print to a terminal as it is.
        return json.dumps(self.document(result), indent=2, ensure_ascii=True) + "\n"

    def render_verdict(self, result: ScanResult, verdict) -> str:  # noqa: ANN001 - policy.Verdict
        """`render` plus the policy gate's verdict under `verdict` (scan --policy, gate)."""
        doc = self.document(result)
        doc["verdict"] = verdict.to_json()
        return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"

    def document(self, result: ScanResult) -> Json:
        """The output as plain JSON-ready data, for callers that post-process it."""
        inventory = result.inventory
        return {
            "schema": SCHEMA_ID,
            "tool": {"name": "dockwise", "version": result.tool_version},
            "generated": result.generated,
            "image": _image(result.image),
            "distro": _distro(inventory.distro),
            "packages": [_package(p, self.include_files) for p in inventory.packages],
            "files": [_file(f) for f in inventory.files],
            "warnings": [_warning(w) for w in inventory.warnings],
            "findings": [finding_json(f) for f in result.findings],
            "answers": result.answers.to_json() if result.answers else None,
        }


def _image(image: ImageInfo) -> Json:
    return {
        "source": image.source,
        "scheme": image.scheme,
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "repo_tags": list(image.repo_tags),
        "os": image.os,
        "architecture": image.architecture,
        "variant": image.variant,
        "created": image.created,
        "author": image.author,
        "config": _run_config(image.config),
        "history": [_history(h) for h in image.history],
        "layers": [_layer(layer) for layer in image.layers],
        "annotations": dict(image.annotations),
    }


def _run_config(config: RunConfig) -> Json:
    return {
        "user": config.user,
        "exposed_ports": list(config.exposed_ports),
        "entrypoint": list(config.entrypoint),
        "cmd": list(config.cmd),
        "working_dir": config.working_dir,
        # A list of pairs, not an object: it keeps the image's order and any duplicates.
        "env": [{"name": k, "value": v} for k, v in config.env],
        "labels": dict(config.labels),
        "stop_signal": config.stop_signal,
        "healthcheck": list(config.healthcheck),
        "volumes": list(config.volumes),
    }


def _history(entry: HistoryEntry) -> Json:
    return {
        "created_by": entry.created_by,
        "created": entry.created,
        "comment": entry.comment,
        "empty_layer": entry.empty_layer,
        "layer_index": entry.layer_index,
    }


def _layer(layer: LayerRef) -> Json:
    return {
        "index": layer.index,
        "diff_id": layer.diff_id,
        "digest": layer.digest,
        "created_by": layer.created_by,
        "size": layer.size,
        "uncompressed_size": layer.uncompressed_size,
    }


def _layer_ref(layer: LayerRef | None) -> Json | None:
    """The short form used by packages and warnings: the full layer is in `image.layers`."""
    return None if layer is None else {"index": layer.index, "diff_id": layer.diff_id}


def _distro(distro: Distro | None) -> Json | None:
    if distro is None:
        return None
    return {
        "id": distro.id,
        "version_id": distro.version_id,
        "codename": distro.codename,
        "name": distro.name,
        "pretty_name": distro.pretty_name,
        "id_like": list(distro.id_like),
    }


def _package(pkg: Package, include_files: bool) -> Json:
    doc: Json = {
        "name": pkg.name,
        "version": pkg.version,
        "type": pkg.type,
        "purl": pkg.purl,
        "arch": pkg.arch,
        "source_name": pkg.source_name,
        "source_version": pkg.source_version,
        "licenses": list(pkg.licenses),
        "maintainer": pkg.maintainer,
        "found_by": pkg.found_by,
        "owned_by": pkg.owned_by,
        "found_as": pkg.found_as,
        "location": {"path": pkg.location.path, "layer": _layer_ref(pkg.location.layer)},
        "files_count": len(pkg.files),
        "metadata": dict(pkg.metadata),
    }
    if include_files:
        doc["files"] = list(pkg.files)
    return doc


def _file(record: FileRecord) -> Json:
    return {
        "path": record.path,
        "layer": _layer_ref(record.layer),
        "kinds": list(record.kinds),
        "size": record.size,
        "mode": f"0{record.mode:o}",
        "sha256": record.sha256,
        "owner": record.owner,
        "metadata": dict(record.metadata),
    }


def _warning(warning: ScanWarning) -> Json:
    return {
        "message": warning.message,
        "path": warning.path,
        "layer": _layer_ref(warning.layer),
    }


def finding_json(finding: Finding) -> Json:
    """A finding with a short package reference; the full package is in `packages`."""
    pkg = finding.package
    where = finding.location
    return {
        "kind": finding.kind,
        "rule_id": finding.rule_id,
        "aliases": list(finding.aliases),
        "severity": str(finding.severity),
        **rating_json(finding),
        "title": finding.title,
        "package": None
        if pkg is None
        else {"name": pkg.name, "version": pkg.version, "type": pkg.type, "purl": pkg.purl},
        "location": None
        if where is None
        else {"path": where.path, "layer": _layer_ref(where.layer)},
        "fixed_version": finding.fixed_version,
        "status": finding.status,
        "suppressed": finding.suppressed,
        # Pairs, not an object: a merged finding has one feed/record/range per record.
        "evidence": [{"key": k, "value": v} for k, v in finding.evidence],
        "references": list(finding.references),
    }
