"""Output formats: the explicit registry the CLI takes `--format` from.

Each entry names the module and class of a reporter; the module is imported only when
its format is asked for, so `--format table` does not pay for cyclonedx-python-lib.
Add a format: write `report/<format>.py` with a Reporter class and add one entry here
(`findings=True` when it reports findings rather than an inventory).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockwise.report.base import Reporter, ReportError

if TYPE_CHECKING:  # annotations only: `dockwise --version` need not load the model
    from dockwise.model import ScanResult


@dataclass(frozen=True, slots=True)
class Format:
    """Where a reporter lives, and whether it reports findings: a CI report of findings
    (SARIF, JUnit...) made from an SBOM alone would pass for want of any check, so only
    commands that run checks offer those."""

    module: str
    cls: str
    findings: bool = False


REPORTERS: dict[str, Format] = {
    "table": Format("dockwise.report.table", "TableReporter"),
    "json": Format("dockwise.report.native_json", "NativeJsonReporter"),
    "cyclonedx-json": Format("dockwise.report.cyclonedx", "CycloneDxJsonReporter"),
    "spdx-json": Format("dockwise.report.spdx", "SpdxJsonReporter"),
    "html": Format("dockwise.report.html", "HtmlReporter"),
    "sarif": Format("dockwise.report.sarif", "SarifReporter", findings=True),
    "junit": Format("dockwise.report.junit", "JunitReporter", findings=True),
    "gitlab": Format("dockwise.report.gitlab", "GitlabReporter", findings=True),
    "markdown": Format("dockwise.report.markdown", "MarkdownReporter", findings=True),
}
INVENTORY_FORMATS = tuple(name for name, fmt in REPORTERS.items() if not fmt.findings)

__all__ = ["INVENTORY_FORMATS", "REPORTERS", "ReportError", "Reporter", "render", "reporter"]


def reporter(fmt: str) -> Reporter:
    """The reporter for `fmt`; an unknown format is a `ReportError`, not a KeyError."""
    if fmt not in REPORTERS:
        choices = ", ".join(REPORTERS)
        raise ReportError(f"{fmt}: unknown output format (choose from {choices})")
    found = REPORTERS[fmt]
    return getattr(importlib.import_module(found.module), found.cls)()


def render(result: ScanResult, fmt: str) -> str:
    """`result` as the `fmt` document."""
    return reporter(fmt).render(result)
