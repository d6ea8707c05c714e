"""`--format table`: a human summary of the image, its run config, packages and layers.

Rendered with rich into a string with colour and terminal detection off, so the text is
the same everywhere (and in golden files). Every value from the image goes through
`sanitize.text`, which escapes control characters and is never parsed as rich markup.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import unquote

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from dockwise.humanize import human_size
from dockwise.model import (
    FileRecord,
    Finding,
    FiveAnswers,
    ImageInfo,
    LayerRef,
    Package,
    RunConfig,
    ScanResult,
    ScanWarning,
    Severity,
)
from dockwise.report.sanitize import text

DEFAULT_WIDTH = 120
CREATED_BY_WIDTH = 60
TITLE_WIDTH = 50
MAX_ALIASES_SHOWN = 3  # the rest are in --format json
NONE = "(none)"
EVIDENCE_WIDTH = 90  # longer evidence is cut with "…"; --format json has it whole
_DETAIL_FACTS = ("history.",)  # every history line: the layers table of `sbom` has them
_SHOWN_EVIDENCE = ("excerpt", "reason")
# Docker's legacy builder prefixes metadata-only steps with this; it says nothing useful.
_NOP_PREFIXES = ("/bin/sh -c #(nop) ", "|1 /bin/sh -c #(nop) ")


class TableReporter:
    """`--format table`: the default, for people."""

    name = "table"

    def __init__(self, width: int = DEFAULT_WIDTH) -> None:
        self.width = width

    def render(self, result: ScanResult) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.width,
            color_system=None,
            force_terminal=False,
            markup=False,
            emoji=False,
            highlight=False,
        )
        for block in _blocks(result):
            console.print(block)
            console.print()
        # rich pads every cell to the column width; trailing blanks only make diffs noisy.
        lines = [line.rstrip() for line in buffer.getvalue().rstrip().splitlines()]
        return "\n".join(lines) + "\n"


def _blocks(result: ScanResult) -> Iterable[RenderableType]:
    """The sections in reading order; warnings last so they are what the user sees.

    A scan leads with the five questions and the findings; the full package list is
    what `dockwise sbom` is for, so a scan only counts packages.
    """
    image = result.image
    if result.answers is not None:
        yield from _answers(result.answers)
        yield from _all_findings(result.findings)
        yield _section("Run config", _run_config_rows(image.config))
        yield _warnings(result.inventory.warnings)
        return
    yield _section("Image", _image_rows(result))
    yield _section("Run config", _run_config_rows(image.config))
    yield from _all_findings(result.findings)
    yield _packages(result.inventory.packages)
    if result.inventory.files:
        yield _files(result.inventory.files)
    yield _layers(image.layers)
    yield _warnings(result.inventory.warnings)


def _answers(answers: FiveAnswers) -> Iterator[RenderableType]:
    """Each question: its one-line verdict, the facts behind it, and what is unknown."""
    for number, (_, section) in enumerate(answers.sections(), start=1):
        grid = Table(
            title=f"{number}. {section.question}", title_justify="left", box=None,
            show_header=False, padding=(0, 1, 0, 2),
        )  # fmt: skip
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row("verdict", text(section.verdict))
        shown = ""
        for fact in section.facts:
            if not fact.key.startswith(_DETAIL_FACTS):
                # evidence shared by consecutive facts is printed once, on the first
                evidence = fact.evidence if fact.evidence != shown else ""
                shown = fact.evidence
                grid.add_row(text(fact.label), _fact_value(fact.value, evidence))
        for unknown in section.unknowns:
            reason = unknown.reason.removeprefix("unknown: ")
            grid.add_row(text(unknown.label), text(f"unknown: {reason}"))
        yield grid


def _fact_value(value: str, evidence: str) -> Text:
    body = text(value)
    if evidence:
        body.append_text(text(f"  ({shorten(evidence, EVIDENCE_WIDTH)})"))
    return body


def _other_findings(findings: Sequence[Finding]) -> Iterator[RenderableType]:
    """Secrets, configuration, provenance, lifecycle...: where, what and the evidence."""
    if not findings:
        return
    table = _table(f"Other findings ({len(findings)})", "Severity", "Rule", "Where", "Details")
    table.columns[1].no_wrap = True
    for finding in findings:
        where = finding.location.path if finding.location else ""
        layer = finding.location.layer if finding.location else None
        if layer is not None:
            where += f" (layer {layer.index})"
        table.add_row(
            Text(str(finding.severity)),
            text(finding.rule_id),
            text(where),
            text(_details(finding)),
        )
    yield table


def _details(finding: Finding) -> str:
    """The title, then the evidence an operator needs to find it (already masked)."""
    notes = []
    for key, value in finding.evidence:
        if key == "line":
            notes.append(f"line {value}")
        elif key == "layer" and "still shipped" in value:  # a later layer hides it
            notes.append(value)
        elif key in _SHOWN_EVIDENCE and value not in finding.title:
            notes.append(value)
    return "; ".join([finding.title, *notes])


def _all_findings(findings: Sequence[Finding]) -> Iterator[RenderableType]:
    """Vulnerabilities, then every other kind under its own heading, so each block's
    count counts one thing."""
    yield from _vulnerabilities([f for f in findings if f.kind == "vulnerability"])
    yield from _other_findings([f for f in findings if f.kind != "vulnerability"])


def _vulnerabilities(findings: Sequence[Finding]) -> Iterator[RenderableType]:
    """One table per severity, most severe first; nothing at all for an SBOM run."""
    if not findings:
        return
    counts = ", ".join(f"{len(group)} {severity}" for severity, group in _by_severity(findings))
    suppressed = sum(1 for f in findings if f.suppressed)
    note = f"; {suppressed} of them suppressed" if suppressed else ""
    yield Text(f"Vulnerabilities ({len(findings)}: {counts}{note})")
    for severity, group in _by_severity(findings):
        table = _table(
            f"{str(severity).capitalize()} ({len(group)})",
            "ID", "Package", "Installed", "Fixed in", "Status", "Layer", "Title",
        )  # fmt: skip
        for column in table.columns[:6]:  # ids and versions must stay copy-pasteable
            column.no_wrap = True
        for finding in group:
            table.add_row(*_finding_row(finding))
        yield table


def _by_severity(findings: Sequence[Finding]) -> list[tuple[Severity, list[Finding]]]:
    groups: dict[Severity, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.severity, []).append(finding)
    return sorted(groups.items(), key=lambda item: -item[0])


def _finding_row(finding: Finding) -> list[Text]:
    pkg = finding.package
    layer = finding.location.layer if finding.location else None
    ids = text(finding.rule_id)
    if finding.aliases:
        for alias in finding.aliases[:MAX_ALIASES_SHOWN]:
            ids.append("\n")
            ids.append_text(text(alias))
    status = finding.status or ""
    if finding.suppressed:
        status = f"suppressed ({finding.suppressed})"
    return [
        ids,
        text(pkg.name if pkg else ""),
        text(pkg.version if pkg else ""),
        text(finding.fixed_version) if finding.fixed_version else Text("-"),
        text(status),
        Text("" if layer is None else str(layer.index)),
        text(shorten(finding.title, TITLE_WIDTH) if finding.title != finding.rule_id else ""),
    ]


def _section(title: str, rows: Iterable[tuple[str, Text]]) -> Table:
    grid = Table(title=title, title_justify="left", box=None, show_header=False)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(key, value)
    return grid


def _image_rows(result: ScanResult) -> list[tuple[str, Text]]:
    image = result.image
    distro = result.inventory.distro
    distro_name = (distro.pretty_name or f"{distro.id} {distro.version_id}") if distro else ""
    return [
        ("Source", text(image.source)),
        ("Scheme", text(image.scheme)),
        ("Manifest digest", _or_none(image.manifest_digest)),
        ("Config digest", _or_none(image.config_digest)),
        ("Platform", _or_none(_platform(image))),
        ("Created", _or_none(image.created)),
        ("Distro", _or_none(distro_name.strip())),
    ]


def _run_config_rows(config: RunConfig) -> list[tuple[str, Text]]:
    return [
        ("User", text(config.user) if config.user else Text("root (no USER set)")),
        ("Exposed ports", _lines(config.exposed_ports)),
        ("Entrypoint", _argv(config.entrypoint)),
        ("Cmd", _argv(config.cmd)),
        ("Working dir", _or_none(config.working_dir)),
        ("Env", _lines(f"{k}={v}" for k, v in config.env)),
        ("Labels", _lines(f"{k}={v}" for k, v in config.labels)),
    ]


def _packages(packages: Sequence[Package]) -> Table:
    table = _table(f"Packages ({len(packages)})", "Name", "Version", "Type", "Layer", "Path")
    for pkg in packages:
        path = pkg.location.path + (f" (from {owner_label(pkg.owned_by)})" if pkg.owned_by else "")
        table.add_row(
            text(pkg.name),
            text(pkg.version),
            text(pkg.type),
            Text(_layer_index(pkg.location.layer)),
            text(path),
        )
    return table


def _files(files: Sequence[FileRecord]) -> Table:
    """Executables no package owns, setuid/setgid, world-writable paths, devices."""
    table = _table(f"Notable files ({len(files)})", "Path", "Kinds", "Layer", "Owner", "Size")
    for record in files:
        table.add_row(
            text(record.path),
            Text(", ".join(record.kinds)),
            Text(_layer_index(record.layer)),
            text(owner_label(record.owner) if record.owner else "(none)"),
            Text(human_size(record.size)),
        )
    return table


def owner_label(owner: str) -> str:
    """`pkg:deb/debian/fzf@0.38.0-1?...` -> `deb fzf`: enough to know who to ask."""
    if not owner.startswith("pkg:"):
        return owner
    kind, _, rest = owner[4:].partition("/")
    name = rest.split("@", 1)[0].rsplit("/", 1)[-1]
    return f"{kind} {unquote(name)}"


def _layer_index(layer: LayerRef | None) -> str:
    """Blank when unknown (a layer-less SBOM says -1)."""
    return "" if layer is None or layer.index < 0 else str(layer.index)


def _layers(layers: Sequence[LayerRef]) -> Table:
    table = _table(f"Layers ({len(layers)})", "#", "Created by", "Size")
    for layer in layers:
        table.add_row(
            Text(str(layer.index)),
            text(shorten(layer.created_by)),
            Text(human_size(layer.tar_size)),
        )
    return table


def _warnings(warnings: Sequence[ScanWarning]) -> RenderableType:
    if not warnings:
        return Text("Warnings: 0")
    body = Text(f"Warnings ({len(warnings)}):")
    for warning in warnings:
        where = "" if warning.layer is None else f" (layer {warning.layer.index})"
        body.append("\n  - ")
        body.append_text(text(str(warning)))
        body.append(where)
    return body


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _platform(image: ImageInfo) -> str:
    return "/".join(part for part in (image.os, image.architecture, image.variant) if part)


def _or_none(value: str) -> Text:
    return text(value) if value else Text(NONE)


def _lines(values: Iterable[str]) -> Text:
    items = [text(v) for v in values]
    return Text("\n").join(items) if items else Text(NONE)


def _argv(argv: Sequence[str]) -> Text:
    """Exec form as JSON, so argument boundaries and quoting are unambiguous."""
    return text(json.dumps(list(argv), ensure_ascii=False)) if argv else Text(NONE)


def shorten(created_by: str, width: int = CREATED_BY_WIDTH) -> str:
    """A history line cut to `width`, without the legacy builder's `#(nop)` noise."""
    line = created_by.strip()
    for prefix in _NOP_PREFIXES:
        if line.startswith(prefix):
            line = line.removeprefix(prefix).strip()
            break
    line = " ".join(line.split())
    return line if len(line) <= width else line[: width - 1] + "…"
