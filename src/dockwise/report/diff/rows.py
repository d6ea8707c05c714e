"""The text of a diff as titled rows: the table and Markdown diff reporters lay out the
same content, so what a terminal shows and what a pull-request comment shows never drift.

Values are raw image strings here; each reporter escapes them for its own medium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dockwise.changes import ConfigChange, FindingChange, ImageDiff, LayerChange, PackageChange
from dockwise.model import LayerRef, ScanResult
from dockwise.report.table import human_size, shorten

TITLE_WIDTH = 60
MODES = {
    "scan": "scan: packages and findings compared (vulnerability database used)",
    "sbom": "sbom: packages compared; no vulnerability database, so no vulnerabilities",
    "saved": "saved results: compared as recorded",
}


@dataclass(frozen=True, slots=True)
class Block:
    """One titled table of the diff; `rows` is empty when nothing changed there."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def heading(change: ImageDiff) -> list[tuple[str, str]]:
    """(label, value) lines above the tables: what was compared, how, and the totals."""
    summary = ", ".join(f"{label}: {n}" for label, n in change.summary.items() if n)
    base = change.base
    return [
        ("Old", _name(change.old)),
        ("New", _name(change.new)),
        ("Mode", MODES.get(change.mode, change.mode)),
        ("Changes", summary or "none"),
        ("Base image", _base_text(base.old, base.new, base.basis, base.shared_layers)),
        ("Size", _size_text(change)),
    ]


def blocks(change: ImageDiff) -> list[Block]:
    """The tables, in the order a reviewer reads them: risk first, then contents."""
    return [
        Block("Vulnerabilities", ("Change", "Severity", "ID", "Package", "Version",
              "Fixed in", "Title"), tuple(_vuln_row(c) for c in change.vulnerabilities)),
        Block("Other findings", ("Change", "Severity", "Kind", "Rule", "Where", "Title"),
              tuple(_finding_row(c) for c in change.findings)),
        Block("Packages", ("Change", "Type", "Name", "Old", "New", "Layer"),
              tuple(_package_row(c) for c in change.packages)),
        Block("Configuration", ("Field", "Key", "Old", "New"),
              tuple(_config_row(c) for c in change.config)),
        Block("Layers", ("Change", "#", "Created by", "Size"),
              tuple(_layer_row(c) for c in change.layers)),
    ]  # fmt: skip


def _name(result: ScanResult) -> str:
    image = result.image
    tag = f" ({', '.join(image.repo_tags)})" if image.repo_tags else ""
    return f"{image.source}{tag}"


def _base_text(old: str, new: str, basis: str, shared: int) -> str:
    what = f"unchanged: {new}" if old == new else f"{old} -> {new}"
    return f"{what} (by {basis}; {shared} leading layers shared)"


def _size_text(change: ImageDiff) -> str:
    """Like with like: uncompressed, and compressed too when both sides store it so."""
    size, compressed = change.size, change.compressed_size
    if size.old is None or size.new is None:
        return "not compared: a side has no layer tar sizes (a dir: source or an older result)"
    text = f"{_change_text(size.old, size.new)} uncompressed"
    if compressed.old is not None and compressed.new is not None:
        text += f"; {_change_text(compressed.old, compressed.new)} compressed"
    return text


def _change_text(old: int, new: int) -> str:
    delta = new - old
    sign = "+" if delta >= 0 else "-"
    return f"{human_size(old)} -> {human_size(new)} ({sign}{human_size(abs(delta))})"


def _vuln_row(change: FindingChange) -> tuple[str, ...]:
    finding = change.finding
    pkg = finding.package
    return (change.change, str(finding.severity), finding.rule_id, pkg.name if pkg else "",
            pkg.version if pkg else "", finding.fixed_version or "-",
            shorten(finding.title, TITLE_WIDTH))  # fmt: skip


def _finding_row(change: FindingChange) -> tuple[str, ...]:
    finding = change.finding
    where = finding.location.path if finding.location else ""
    if finding.package is not None:
        where = where or finding.package.name
    return (change.change, str(finding.severity), finding.kind, finding.rule_id, where,
            shorten(finding.title, TITLE_WIDTH))  # fmt: skip


def _package_row(change: PackageChange) -> tuple[str, ...]:
    return (change.change, change.type, change.name, change.old_version or "-",
            change.new_version or "-", _layers(change.old_layer, change.new_layer))  # fmt: skip


def _layers(old: LayerRef | None, new: LayerRef | None) -> str:
    a, b = _index(old), _index(new)
    if old is None or new is None or a == b:
        return a or b
    return f"{a} -> {b}"


def _index(layer: LayerRef | None) -> str:
    return "" if layer is None or layer.index < 0 else str(layer.index)


def _config_row(change: ConfigChange) -> tuple[str, ...]:
    return (change.field, change.key, change.old or "(unset)", change.new or "(unset)")


def _layer_row(change: LayerChange) -> tuple[str, ...]:
    layer = change.layer
    return (change.change, str(layer.index), shorten(layer.created_by), _layer_size(layer))


def _layer_size(layer: LayerRef) -> str:
    """Uncompressed, as the heading's size; labelled when only the stored size is known."""
    if layer.uncompressed_size:
        return human_size(layer.uncompressed_size)
    return f"{human_size(layer.size)} stored"


def non_empty(items: Sequence[Block]) -> list[Block]:
    """Only the blocks with rows: an unchanged section is one line in the summary."""
    return [block for block in items if block.rows]
