"""`--format html`: one self-contained page a person would rather read than a table.

Everything is inline (CSS, a little JS, SVG charts drawn here), and a Content Security
Policy with `default-src 'none'` makes the browser refuse any network fetch, so the file
can be mailed or archived as CI output and opened offline. The page is rendered on the
server side: verdicts, counts, charts and every table are plain HTML; the script only adds
sorting and filtering. Image strings are hostile: Jinja's autoescape handles HTML, and a
`finalize` hook shows control characters as escapes first (`sanitize.clean`), so a label
holding `<script>` or a terminal escape reads as text. Same result, same bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from dockwise.model import SEVERITIES, Finding, LayerRef, Package, ScanResult, Severity
from dockwise.report.coverage_text import database_line, group_cells
from dockwise.report.links import advisory_url
from dockwise.report.sanitize import clean
from dockwise.report.sarif import help_uri
from dockwise.report.table import human_size, owner_label, shorten

TEMPLATE = "report.html.j2"
ASSETS = "html"  # the folder beside this module holding the template, CSS and JS
# Severity colours: readable on white, distinct for the common colour-vision deficiencies.
SEVERITY_COLOURS = {
    Severity.CRITICAL: "#8e0b2b", Severity.HIGH: "#d9480f", Severity.MEDIUM: "#e8a200",
    Severity.LOW: "#1c6fb8", Severity.NEGLIGIBLE: "#5f7d8c", Severity.UNKNOWN: "#9aa0a6",
}  # fmt: skip
BAR_COLOUR = "#3d6b8f"
CHART_WIDTH = 360
ROW_HEIGHT = 22
LABEL_WIDTH = 100
MAX_LAYER_BARS = 40  # a 100-layer image still gets a readable chart; the table has them all
LONG_SECTION = 10  # facts beyond which a section's details start folded


class HtmlReporter:
    """`--format html` for `sbom` and `scan`."""

    name = "html"

    def render(self, result: ScanResult) -> str:
        return render_page(TEMPLATE, build_view(result), _asset("report.js"))


def render_page(template: str, view: dict[str, Any], js: str = "") -> str:
    """A page from a template beside this module (`report.html.j2`, the fleet's
    `fleet.html.j2`): the shared stylesheet inline, the escaping and the CSP above."""
    css = _asset("report.css")
    page = (
        _environment()
        .get_template(template)
        .render(view=view, css=Markup(css), js=Markup(js), csp=_csp(css, js))
    )
    return page if page.endswith("\n") else page + "\n"


# -- the view: plain data the template lays out ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    """One headline number at the top of the page."""

    label: str
    value: str  # kept on one line by the CSS: "180.0 MiB" never breaks inside
    tone: str = ""  # "bad", "warn", "good" or "" for neutral


def build_view(result: ScanResult) -> dict[str, Any]:
    """Everything the template shows, computed once and in a stable order."""
    image, inventory = result.image, result.inventory
    active = [f for f in result.findings if not f.suppressed]
    scanned = getattr(result, "answers", None) is not None or bool(result.findings)
    return {
        "title": image.repo_tags[0] if image.repo_tags else image.source,
        "result": result,
        "scanned": scanned,
        "cards": _cards(result, active, scanned),
        "meta": _meta(result),
        "answers": _answers(result),
        "charts": _charts(result, active, scanned),
        "findings": [_finding_row(f) for f in result.findings],
        "packages": [_package_row(p) for p in inventory.packages],
        "files": inventory.files,
        "layers": [_layer_row(layer) for layer in image.layers],
        "config": _config_rows(result),
        "warnings": [str(w) for w in inventory.warnings],
        "database": database_line(result.database) if result.database else "",
        "coverage": [group_cells(g) for g in result.coverage],
        "human_size": human_size,
        "owner_label": owner_label,
    }


def _cards(result: ScanResult, active: Sequence[Finding], scanned: bool) -> list[Card]:
    counts = Counter(f.severity for f in active)
    severe = counts[Severity.CRITICAL] + counts[Severity.HIGH]
    unrated = counts[Severity.UNKNOWN]  # may be anything: never shown as "good"
    total = sum(layer.tar_size for layer in result.image.layers)
    user = result.image.config.user
    cards = [Card("packages", str(len(result.inventory.packages)))]
    if scanned:
        cards += [
            Card("findings", str(len(active)), "warn" if active else "good"),
            Card("critical + high", str(severe), "bad" if severe else _unrated_tone(unrated)),
            Card("unknown severity", str(unrated), _unrated_tone(unrated)),
        ]
    uncovered = sum(1 for g in result.coverage if not g.covered)
    if result.database is not None:
        cards.append(Card("groups not covered", str(uncovered), "bad" if uncovered else "good"))
    cards += [
        Card("layers", str(len(result.image.layers))),
        Card("size", human_size(total) if total else "unknown"),
        Card("user", user or "root", "" if user and user not in ("0", "root") else "warn"),
    ]
    return cards


def _unrated_tone(unrated: int) -> str:
    return "warn" if unrated else "good"


def _meta(result: ScanResult) -> list[tuple[str, str]]:
    image = result.image
    distro = result.inventory.distro
    platform = "/".join(p for p in (image.os, image.architecture, image.variant) if p)
    rows = [
        ("source", image.source),
        ("tags", ", ".join(image.repo_tags)),
        ("distro", (distro.pretty_name or f"{distro.id} {distro.version_id}") if distro else ""),
        ("platform", platform),
        ("created", image.created),
        ("manifest digest", image.manifest_digest),
        ("config digest", image.config_digest),
        ("report", f"dockwise {result.tool_version}, {result.generated}".strip(", ")),
    ]
    return [(label, value) for label, value in rows if value]


def _answers(result: ScanResult) -> list[dict[str, Any]]:
    answers = getattr(result, "answers", None)
    if answers is None:
        return []
    return [
        {
            "name": name,
            "question": section.question,
            "verdict": section.verdict,
            "facts": section.facts,
            "unknowns": section.unknowns,
            "open": len(section.facts) <= LONG_SECTION,
        }
        for name, section in answers.sections()
    ]


def _finding_row(finding: Finding) -> dict[str, Any]:
    pkg = finding.package
    layer = finding.location.layer if finding.location else None
    if layer is None and pkg is not None:
        layer = pkg.location.layer
    return {
        "severity": str(finding.severity),
        "why": dict(finding.evidence).get("severity", ""),  # where it came from, on hover
        "rank": finding.severity.rank,  # unknown ranks above critical: its own band
        "id": finding.rule_id,
        "url": help_uri(finding),  # the advisory page SARIF and GitLab link to
        "aliases": [{"id": a, "url": advisory_url(a)} for a in finding.aliases],
        "kind": finding.kind,
        "package": pkg.name if pkg else (finding.location.path if finding.location else ""),
        "version": pkg.version if pkg else "",
        "fixed": finding.fixed_version,
        "layer": _index(layer),
        "title": finding.title,
        "status": f"suppressed: {finding.suppressed}" if finding.suppressed else finding.status,
        "suppressed": bool(finding.suppressed),
    }


def _package_row(pkg: Package) -> dict[str, str]:
    path = pkg.location.path + (f" (from {owner_label(pkg.owned_by)})" if pkg.owned_by else "")
    return {
        "name": pkg.name,
        "version": pkg.version,
        "type": pkg.type,
        "layer": _index(pkg.location.layer),
        "path": path,
        "licenses": ", ".join(pkg.licenses),
        "purl": pkg.purl,
    }


def _layer_row(layer: LayerRef) -> dict[str, Any]:
    return {
        "index": layer.index,
        "size": layer.tar_size,
        "human": human_size(layer.tar_size),
        "created_by": shorten(layer.created_by, 160),
        "diff_id": layer.diff_id,
    }


def _config_rows(result: ScanResult) -> list[tuple[str, list[str]]]:
    """Label -> lines (one per env var or label): a line break must never come from data."""
    config = result.image.config
    return [
        ("user", [config.user or "root (no USER set)"]),
        ("exposed ports", list(config.exposed_ports)),
        ("entrypoint", [" ".join(config.entrypoint)] if config.entrypoint else []),
        ("cmd", [" ".join(config.cmd)] if config.cmd else []),
        ("working dir", [config.working_dir] if config.working_dir else []),
        ("env", [f"{k}={v}" for k, v in config.env]),
        ("labels", [f"{k}={v}" for k, v in config.labels]),
        ("volumes", list(config.volumes)),
    ]


def _index(layer: LayerRef | None) -> str:
    return "" if layer is None or layer.index < 0 else str(layer.index)


# -- charts: inline SVG, drawn here so the page needs no library ----------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as printed at the end of the bar
    colour: str = BAR_COLOUR
    tooltip: str = ""


def _charts(result: ScanResult, active: Sequence[Finding], scanned: bool) -> list[dict]:
    charts = []
    if scanned:
        counts = Counter(f.severity for f in active)
        bars = [Bar(str(s), counts[s], str(counts[s]), SEVERITY_COLOURS[s])
                for s in SEVERITIES]  # fmt: skip
        charts.append({"title": "Findings by severity", "svg": bar_chart(bars, "severity")})
    layers = result.image.layers[:MAX_LAYER_BARS]
    if any(layer.tar_size for layer in layers):
        bars = [Bar(f"layer {layer.index}", layer.tar_size, human_size(layer.tar_size),
                    tooltip=layer.created_by) for layer in layers]  # fmt: skip
        charts.append({"title": "Layer sizes", "svg": bar_chart(bars, "layer sizes")})
    types = Counter(p.type for p in result.inventory.packages)
    if types:
        bars = [Bar(t, n, str(n)) for t, n in sorted(types.items(), key=lambda i: (-i[1], i[0]))]
        charts.append({"title": "Packages by type", "svg": bar_chart(bars, "package types")})
    return charts


def bar_chart(bars: Sequence[Bar], name: str) -> Markup:
    """A horizontal bar chart as an `<svg>`; each bar is labelled, so it reads without
    colour, and each row carries a `<title>` tooltip."""
    peak = max((bar.value for bar in bars), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 70
    height = ROW_HEIGHT * len(bars) + 4
    rows = "".join(_bar_row(i, bar, bar.value * span / peak) for i, bar in enumerate(bars))
    return Markup(
        f'<svg class="chart" role="img" aria-label="{_t(name)}" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{rows}</svg>'
    )


def _bar_row(i: int, bar: Bar, width: float) -> str:
    y = i * ROW_HEIGHT + 2
    mid = y + ROW_HEIGHT / 2 + 4
    width = max(width, 1.5) if bar.value else 0
    tip = f"{bar.label}: {bar.shown}" + (f" ({bar.tooltip})" if bar.tooltip else "")
    return (
        f"<g><title>{_t(tip)}</title>"
        f'<text x="{LABEL_WIDTH - 8}" y="{mid:.0f}" text-anchor="end" class="chart-label">'
        f"{_t(bar.label)}</text>"
        f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 6}" '
        f'rx="2" fill="{bar.colour}"/>'
        f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{mid:.0f}" class="chart-value">'
        f"{_t(bar.shown)}</text></g>"
    )


def _t(value: str) -> str:
    """Text for SVG markup: controls shown as escapes, then HTML-escaped."""
    return str(escape(clean(value)))


# -- plumbing ------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    """Autoescape on, undefined names an error, and every printed string cleaned first."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_asset),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _finalize(value: object) -> object:
    """Strings from the image with controls shown as escapes; our own Markup untouched."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return clean(value)


def _asset(name: str) -> str:
    return resources.files("dockwise.report").joinpath(ASSETS, name).read_text(encoding="utf-8")


def _csp(*inline: str) -> str:
    """No fetch of any kind; only our own inline style and script run (by hash), so even
    markup that slipped through escaping could not execute."""
    style, script = (_sha256(text) for text in inline)
    scripts = f"'{script}'" if inline[1] else "'none'"  # a page without script runs none
    return (
        f"default-src 'none'; style-src '{style}'; script-src {scripts}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
