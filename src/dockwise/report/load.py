"""Read a result saved with `--format json` (schema `dockwise-sbom/1`) back into a
`ScanResult`, so the gate (`dockwise gate`) and `dockwise diff` work on saved results
exactly as on a live scan.

The inverse of `native_json`: layer references are resolved against `image.layers`,
a finding's short package reference against `packages`, and the five-question answers
rebuilt when present. Package file lists are restored only when they were saved
(`include_files`). A file that is not such a result is one `ReportError` line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from dockwise.model import (
    Distro,
    FileRecord,
    Finding,
    HistoryEntry,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanResult,
    ScanWarning,
    Severity,
)
from dockwise.report.base import ReportError
from dockwise.report.rating_json import rating_fields
from dockwise.untrusted import load_json

SCHEMA_PREFIX = "dockwise-sbom/1"
Json = dict[str, Any]


def load_result(path: str | Path) -> ScanResult:
    """The result saved at `path`; a missing, unreadable or foreign file is a ReportError."""
    path = Path(path)
    try:
        doc = load_json(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReportError(f"{path}: cannot read ({e.strerror})") from None
    except ValueError as e:  # UnicodeDecodeError too
        raise ReportError(f"{path}: {e}") from None
    return result_from_json(doc, str(path))


def result_from_json(doc: Any, name: str = "result") -> ScanResult:
    """A ScanResult from an already-parsed `dockwise-sbom/1` document."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_PREFIX:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ReportError(f"{name}: not a saved dockwise result (schema {found!r})")
    try:
        return _result(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ReportError(f"{name}: malformed dockwise result ({type(e).__name__}: {e})") from None


def _result(doc: Json) -> ScanResult:
    image = _image(doc["image"])
    layers = {layer.index: layer for layer in image.layers}
    packages = tuple(_package(p, layers) for p in doc["packages"])
    inventory = Inventory(
        distro=_distro(doc.get("distro")),
        packages=packages,
        warnings=tuple(_warning(w, layers) for w in doc.get("warnings", [])),
        files=tuple(_file(f, layers) for f in doc.get("files", [])),
    )
    by_key = {(p.type, p.name, p.version, p.purl): p for p in packages}
    findings = tuple(_finding(f, layers, by_key) for f in doc.get("findings", []))
    return ScanResult(
        image=image,
        inventory=inventory,
        tool_version=doc.get("tool", {}).get("version", ""),
        generated=doc.get("generated", ""),
        findings=findings,
        answers=_answers(doc.get("answers")),
    )


def _image(raw: Json) -> ImageInfo:
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
        config=_run_config(raw.get("config", {})),
        history=tuple(_history(h) for h in raw.get("history", [])),
        layers=layers,
        annotations=tuple(raw.get("annotations", {}).items()),
    )


def _run_config(raw: Json) -> RunConfig:
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


def _history(raw: Json) -> HistoryEntry:
    return HistoryEntry(raw.get("created_by", ""), raw.get("created", ""),
                        raw.get("comment", ""), raw.get("empty_layer", False),
                        raw.get("layer_index"))  # fmt: skip


def _layer(raw: Json | None, layers: dict[int, LayerRef]) -> LayerRef | None:
    """The full layer from `image.layers`; the short reference itself if it is not there."""
    if raw is None:
        return None
    found = layers.get(raw["index"])
    return found if found and found.diff_id == raw["diff_id"] else LayerRef(**raw)


def _distro(raw: Json | None) -> Distro | None:
    if raw is None:
        return None
    return Distro(raw["id"], raw.get("version_id", ""), raw.get("codename", ""),
                  raw.get("name", ""), raw.get("pretty_name", ""),
                  tuple(raw.get("id_like", [])))  # fmt: skip


def _package(raw: Json, layers: dict[int, LayerRef]) -> Package:
    where = raw.get("location") or {"path": "", "layer": None}
    return Package(
        name=raw["name"],
        version=raw["version"],
        type=raw["type"],
        purl=raw.get("purl", ""),
        location=Location(where["path"], _layer(where.get("layer"), layers)),
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


def _file(raw: Json, layers: dict[int, LayerRef]) -> FileRecord:
    return FileRecord(
        path=raw["path"],
        layer=_layer(raw.get("layer"), layers),
        kinds=tuple(raw.get("kinds", [])),
        size=raw.get("size", 0),
        mode=int(raw.get("mode", "0"), 8),
        sha256=raw.get("sha256", ""),
        owner=raw.get("owner", ""),
        metadata=tuple(sorted(raw.get("metadata", {}).items())),
    )


def _warning(raw: Json, layers: dict[int, LayerRef]) -> ScanWarning:
    return ScanWarning(raw["message"], raw.get("path", ""), _layer(raw.get("layer"), layers))


def _finding(raw: Json, layers: dict[int, LayerRef], packages: dict[tuple, Package]) -> Finding:
    where = raw.get("location")
    return Finding(
        kind=raw["kind"],
        rule_id=raw["rule_id"],
        severity=Severity.parse(raw.get("severity", "")),
        title=raw.get("title", ""),
        package=_package_ref(raw.get("package"), packages),
        location=None if where is None else Location(where["path"], _layer(where.get("layer"),
                                                                            layers)),
        fixed_version=raw.get("fixed_version", ""),
        status=raw.get("status", ""),
        aliases=tuple(raw.get("aliases", [])),
        evidence=tuple((e["key"], e["value"]) for e in raw.get("evidence", [])),
        references=tuple(raw.get("references", [])),
        suppressed=raw.get("suppressed", ""),
        **rating_fields(raw),
    )  # fmt: skip


def _package_ref(raw: Json | None, packages: dict[tuple, Package]) -> Package | None:
    """The full package a finding names; a bare one when the inventory lacks it."""
    if raw is None:
        return None
    key = (raw["type"], raw["name"], raw["version"], raw.get("purl", ""))
    return packages.get(key) or Package(raw["name"], raw["version"], raw["type"], key[3])


def _answers(raw: Json | None):  # noqa: ANN202 - FiveAnswers, imported lazily
    """The five-question answers, rebuilt from their documented JSON shape."""
    if raw is None:
        return None
    from dockwise.answers import Fact, FiveAnswers, Section, Unanswered

    def section(name: str) -> Section:
        s = raw["sections"][name]
        return Section(
            s["question"], s["verdict"],
            tuple(Fact(f["key"], f["label"], f["value"], f.get("evidence", ""))
                  for f in s.get("facts", [])),
            tuple(Unanswered(u["key"], u["label"], u["reason"]) for u in s.get("unknowns", [])),
        )  # fmt: skip

    names = ("provenance", "inside", "patching", "support", "security")
    return FiveAnswers(date.fromisoformat(raw["today"]), *(section(n) for n in names))
