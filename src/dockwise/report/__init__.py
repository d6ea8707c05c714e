"""Output formats of `dockwise sbom`: the explicit registry the CLI takes `--format` from."""

from __future__ import annotations

from dockwise.model import SbomResult
from dockwise.report.base import Reporter, ReportError
from dockwise.report.cyclonedx import CycloneDxJsonReporter
from dockwise.report.native_json import NativeJsonReporter
from dockwise.report.table import TableReporter

REPORTERS: dict[str, Reporter] = {
    reporter.name: reporter
    for reporter in (TableReporter(), NativeJsonReporter(), CycloneDxJsonReporter())
}

__all__ = ["REPORTERS", "ReportError", "Reporter", "render"]


def render(result: SbomResult, fmt: str) -> str:
    """`result` as the `fmt` document; an unknown format is a `ReportError`, not a KeyError."""
    reporter = REPORTERS.get(fmt)
    if reporter is None:
        choices = ", ".join(REPORTERS)
        raise ReportError(f"{fmt}: unknown output format (choose from {choices})")
    return reporter.render(result)
