"""One codec for saved results: a `ScanResult` and dockwise's own JSON (`dockwise-sbom/1`),
encoder and decoder side by side (as syft keeps its JSON format's), so a field added to one
is added to the other in the same place.

The JSON reporter (`--format json`), the image cache, `gate`, `diff` and the Python API's
`load_result` all go through here. The shape is documented in docs/json-output.md and by
`report/schemas/dockwise-sbom-1.schema.json`; within `dockwise-sbom/1` fields are only ever
added. Key order is fixed by construction, so the same result always gives the same bytes.
On the way back, layer references are resolved against `image.layers` and a finding's short
package reference against `packages`; package file lists come back only when they were
saved (`include_files`). A document that is not such a result is one `ReportError` line.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from dockwise.errors import ReportError
from dockwise.model import (
    CoverageGroup,
    Cvss,
    DatabaseInfo,
    Distro,
    Fact,
    FeedState,
    FileRecord,
    Finding,
    FiveAnswers,
    HistoryEntry,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanResult,
    ScanWarning,
    Section,
    Severity,
    Unanswered,
)
from dockwise.untrusted import load_json

SCHEMA_ID = "dockwise-sbom/1"
SAVED_MARK = b'"dockwise-sbom/'  # in the first bytes of every saved result
SNIFF_BYTES = 4096
ANSWERS_SCHEMA, ANSWERS_VERSION = "dockwise/five-questions", 2

Json = dict[str, Any]


def to_json(result: ScanResult, include_files: bool = False) -> Json:
    """The result as plain JSON-ready data. Package file lists are left out unless asked
    for (a Debian image owns tens of thousands of paths); `files_count` says how many."""
    inventory = result.inventory
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "dockwise", "version": result.tool_version},
        "generated": result.generated,
        "image": _image(result.image),
        "distro": _distro(inventory.distro),
        "packages": [_package(p, include_files) for p in inventory.packages],
        "files": [_file(f) for f in inventory.files],
        "warnings": [_warning(w) for w in inventory.warnings],
        "findings": [finding_to_json(f) for f in result.findings],
        "answers": answers_to_json(result.answers) if result.answers else None,
        "database": _database(result.database),
        "coverage": [_coverage_group(g) for g in result.coverage],
    }


def dumps(doc: Json) -> str:
    """The document as text. ensure_ascii escapes every non-ASCII and control character,
    so it is safe to print to a terminal as it is."""
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def is_saved_result(path: str | Path) -> bool:
    """A file that `--format json` wrote, told by its content, never its name: a JSON
    object whose first keys hold the schema id (the codec writes `schema` first)."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return False  # not a readable file: the source opener says what is wrong with it
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and SAVED_MARK in head


def load_result(path: str | Path) -> ScanResult:
    """The result saved at `path`; a missing, unreadable or foreign file is a ReportError."""
    path = Path(path)
    try:
        doc = load_json(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReportError(f"{path}: cannot read ({e.strerror})") from None
    except ValueError as e:  # UnicodeDecodeError too
        raise ReportError(f"{path}: {e}") from None
    return from_json(doc, str(path))


def from_json(doc: Any, name: str = "result") -> ScanResult:
    """A ScanResult from an already-parsed `dockwise-sbom/1` document."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_ID:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ReportError(f"{name}: not a saved dockwise result (schema {found!r})")
    try:
        return _read_result(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ReportError(f"{name}: malformed dockwise result ({type(e).__name__}: {e})") from None


# -- each type: its encoder, then its decoder ------------------------------------------


def _read_result(doc: Json) -> ScanResult:
    image = _read_image(doc["image"])
    layers = {layer.index: layer for layer in image.layers}
    packages = tuple(_read_package(p, layers) for p in doc["packages"])
    inventory = Inventory(
        distro=_read_distro(doc.get("distro")),
        packages=packages,
        warnings=tuple(_read_warning(w, layers) for w in doc.get("warnings", [])),
        files=tuple(_read_file(f, layers) for f in doc.get("files", [])),
    )
    by_ref = _package_index(packages)
    findings = tuple(_read_finding(f, layers, by_ref) for f in doc.get("findings", []))
    return ScanResult(
        image=image,
        inventory=inventory,
        tool_version=doc.get("tool", {}).get("version", ""),
        generated=doc.get("generated", ""),
        findings=findings,
        answers=_read_answers(doc.get("answers")),
        database=_read_database(doc.get("database")),
        # absent from results saved before coverage was recorded: nothing to judge then
        coverage=tuple(_read_coverage_group(g) for g in doc.get("coverage") or []),
    )


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


def _read_image(raw: Json) -> ImageInfo:
    layers = tuple(
        LayerRef(r["index"], r["diff_id"], r.get("digest", ""), r.get("created_by", ""),
                 r.get("size", 0), r.get("uncompressed_size", 0))
        for r in raw.get("layers", [])
    )  # fmt: skip
    return ImageInfo(
        source=raw["source"],
        scheme=raw["scheme"],
        manifest_digest=raw.get("manifest_digest", ""),
        config_digest=raw.get("config_digest", ""),
        repo_tags=tuple(raw.get("repo_tags", [])),
        os=raw.get("os", ""),
        architecture=raw.get("architecture", ""),
        variant=raw.get("variant", ""),
        created=raw.get("created", ""),
        author=raw.get("author", ""),
        config=_read_run_config(raw.get("config", {})),
        history=tuple(_read_history(h) for h in raw.get("history", [])),
        layers=layers,
        annotations=tuple(raw.get("annotations", {}).items()),
    )


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


def _read_run_config(raw: Json) -> RunConfig:
    return RunConfig(
        user=raw.get("user", ""),
        exposed_ports=tuple(raw.get("exposed_ports", [])),
        entrypoint=tuple(raw.get("entrypoint", [])),
        cmd=tuple(raw.get("cmd", [])),
        working_dir=raw.get("working_dir", ""),
        env=tuple((e["name"], e["value"]) for e in raw.get("env", [])),
        labels=tuple(raw.get("labels", {}).items()),
        stop_signal=raw.get("stop_signal", ""),
        healthcheck=tuple(raw.get("healthcheck", [])),
        volumes=tuple(raw.get("volumes", [])),
    )


def _history(entry: HistoryEntry) -> Json:
    return {
        "created_by": entry.created_by,
        "created": entry.created,
        "comment": entry.comment,
        "empty_layer": entry.empty_layer,
        "layer_index": entry.layer_index,
    }


def _read_history(raw: Json) -> HistoryEntry:
    return HistoryEntry(raw.get("created_by", ""), raw.get("created", ""),
                        raw.get("comment", ""), raw.get("empty_layer", False),
                        raw.get("layer_index"))  # fmt: skip


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


def _read_layer(raw: Json | None, layers: dict[int, LayerRef]) -> LayerRef | None:
    """The full layer from `image.layers`; the short reference itself if it is not there."""
    if raw is None:
        return None
    found = layers.get(raw["index"])
    return found if found and found.diff_id == raw["diff_id"] else LayerRef(**raw)


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


def _read_distro(raw: Json | None) -> Distro | None:
    if raw is None:
        return None
    return Distro(raw["id"], raw.get("version_id", ""), raw.get("codename", ""),
                  raw.get("name", ""), raw.get("pretty_name", ""),
                  tuple(raw.get("id_like", [])))  # fmt: skip


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


def _read_package(raw: Json, layers: dict[int, LayerRef]) -> Package:
    where = raw.get("location") or {"path": "", "layer": None}
    return Package(
        name=raw["name"],
        version=raw["version"],
        type=raw["type"],
        purl=raw.get("purl", ""),
        location=Location(where["path"], _read_layer(where.get("layer"), layers)),
        found_by=raw.get("found_by", ""),
        arch=raw.get("arch", ""),
        source_name=raw.get("source_name", ""),
        source_version=raw.get("source_version", ""),
        licenses=tuple(raw.get("licenses", [])),
        maintainer=raw.get("maintainer", ""),
        files=tuple(raw.get("files", [])),
        metadata=tuple(sorted(raw.get("metadata", {}).items())),
        owned_by=raw.get("owned_by", ""),
        found_as=raw.get("found_as", "installed"),
    )


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


def _read_file(raw: Json, layers: dict[int, LayerRef]) -> FileRecord:
    return FileRecord(
        path=raw["path"],
        layer=_read_layer(raw.get("layer"), layers),
        kinds=tuple(raw.get("kinds", [])),
        size=raw.get("size", 0),
        mode=int(raw.get("mode", "0"), 8),
        sha256=raw.get("sha256", ""),
        owner=raw.get("owner", ""),
        metadata=tuple(sorted(raw.get("metadata", {}).items())),
    )


def _warning(warning: ScanWarning) -> Json:
    return {
        "message": warning.message,
        "path": warning.path,
        "layer": _layer_ref(warning.layer),
    }


def _read_warning(raw: Json, layers: dict[int, LayerRef]) -> ScanWarning:
    return ScanWarning(raw["message"], raw.get("path", ""), _read_layer(raw.get("layer"), layers))


def finding_to_json(finding: Finding) -> Json:
    """A finding with a short package reference; the full package is in `packages`."""
    pkg = finding.package
    where = finding.location
    return {
        "kind": finding.kind,
        "rule_id": finding.rule_id,
        "aliases": list(finding.aliases),
        "severity": str(finding.severity),
        **_rating(finding),
        "title": finding.title,
        "package": None if pkg is None else _package_ref(pkg),
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


def _read_finding(
    raw: Json, layers: dict[int, LayerRef], packages: dict[tuple, Package]
) -> Finding:
    where = raw.get("location")
    return Finding(
        kind=raw["kind"],
        rule_id=raw["rule_id"],
        severity=Severity.parse(raw.get("severity", "")),
        title=raw.get("title", ""),
        package=_read_package_ref(raw.get("package"), packages),
        location=None if where is None else Location(where["path"], _read_layer(where.get("layer"),
                                                                            layers)),
        fixed_version=raw.get("fixed_version", ""),
        status=raw.get("status", ""),
        aliases=tuple(raw.get("aliases", [])),
        evidence=tuple((e["key"], e["value"]) for e in raw.get("evidence", [])),
        references=tuple(raw.get("references", [])),
        suppressed=raw.get("suppressed", ""),
        **_read_rating(raw),
    )  # fmt: skip


def _rating(finding: Finding) -> Json:
    """Where the severity came from, each vendor's own word (Trivy's `VendorSeverity`) and
    every CVSS assessment (Trivy's `CVSS`, as a list: one source may score two versions)."""
    return {
        "severity_source": finding.severity_source,
        "vendor_severity": dict(finding.vendor_severity),
        "cvss": [
            {"source": c.source, "version": c.version, "vector": c.vector, "score": c.score}
            for c in finding.cvss
        ],
    }


def _read_rating(raw: Json) -> Json:
    """`_rating`'s fields as Finding keyword arguments; none in a result saved before them."""
    return {
        "severity_source": raw.get("severity_source", ""),
        "vendor_severity": tuple((raw.get("vendor_severity") or {}).items()),
        "cvss": tuple(
            Cvss(c["source"], c["version"], c["vector"], c.get("score"))
            for c in raw.get("cvss") or ()
        ),
    }


def _package_ref(pkg: Package) -> Json:
    """A finding's short package reference. `path` tells apart packages that share a purl:
    the same version installed and declared in a lockfile, or copied twice."""
    return {"name": pkg.name, "version": pkg.version, "type": pkg.type, "purl": pkg.purl,
            "path": pkg.location.path}  # fmt: skip


def _package_index(packages: tuple[Package, ...]) -> dict[tuple, Package]:
    """Packages by their reference, with and without `path` (a result saved before `path`
    was added names the first package of that purl, as it was read then)."""
    index: dict[tuple, Package] = {}
    for p in packages:
        index.setdefault((p.type, p.name, p.version, p.purl, p.location.path), p)
        index.setdefault((p.type, p.name, p.version, p.purl, None), p)
    return index


def _read_package_ref(raw: Json | None, packages: dict[tuple, Package]) -> Package | None:
    """The full package a finding names; a bare one when the inventory lacks it."""
    if raw is None:
        return None
    key = (raw["type"], raw["name"], raw["version"], raw.get("purl", ""), raw.get("path"))
    return packages.get(key) or Package(raw["name"], raw["version"], raw["type"], key[3])


def answers_to_json(answers: FiveAnswers) -> Json:
    """The five answers' documented JSON shape (docs/five-questions.md), versioned apart."""
    return {
        "schema": ANSWERS_SCHEMA,
        "version": ANSWERS_VERSION,
        "today": answers.today.isoformat(),
        "sections": {name: _section(section) for name, section in answers.sections()},
    }


def _read_answers(raw: Json | None) -> FiveAnswers | None:
    if raw is None:
        return None
    sections = {name: _read_section(raw["sections"][name])
                for name in FiveAnswers.NAMES if name in raw["sections"]}  # fmt: skip
    return FiveAnswers(date.fromisoformat(raw["today"]), **sections)


def _section(section: Section) -> Json:
    return {
        "question": section.question,
        "verdict": section.verdict,
        "facts": [
            {"key": f.key, "label": f.label, "value": f.value, "evidence": f.evidence}
            for f in section.facts
        ],
        "unknowns": [
            {"key": u.key, "label": u.label, "reason": u.reason} for u in section.unknowns
        ],
    }


def _read_section(raw: Json) -> Section:
    return Section(
        raw["question"], raw["verdict"],
        tuple(Fact(f["key"], f["label"], f["value"], f.get("evidence", ""))
              for f in raw.get("facts", [])),
        tuple(Unanswered(u["key"], u["label"], u["reason"]) for u in raw.get("unknowns", [])),
    )  # fmt: skip


def _database(info: DatabaseInfo | None) -> Json | None:
    if info is None:
        return None
    return {
        "path": info.path,
        "schema": info.schema,
        "built": info.built,
        "partial": info.partial,
        "feeds": [
            {"name": f.name, "status": f.status, "records": f.records, "files": f.files}
            for f in info.feeds
        ],
    }


def _read_database(raw: Json | None) -> DatabaseInfo | None:
    if raw is None:
        return None
    feeds = tuple(
        FeedState(f["name"], f["status"], f.get("records", 0), f.get("files", 0))
        for f in raw.get("feeds", [])
    )
    return DatabaseInfo(raw["path"], raw.get("schema", ""), raw.get("built", ""),
                        bool(raw.get("partial", False)), feeds)  # fmt: skip


def _coverage_group(g: CoverageGroup) -> Json:
    return {
        "type": g.type,
        "label": g.label,
        "state": g.state,
        "packages": g.packages,
        "owned": g.owned,
        "ecosystems": list(g.ecosystems),
        "advisories": g.advisories,
        "reason": g.reason,
    }


def _read_coverage_group(raw: Json) -> CoverageGroup:
    return CoverageGroup(
        type=raw["type"],
        label=raw["label"],
        state=raw["state"],
        packages=raw["packages"],
        owned=raw.get("owned", 0),
        ecosystems=tuple(raw.get("ecosystems", [])),
        advisories=raw.get("advisories", 0),
        reason=raw.get("reason", ""),
    )
