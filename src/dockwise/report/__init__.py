"""Output formats: the explicit registry the CLI takes `--format` from.

Each entry names the module and class of a reporter; the module is imported only when
its format is asked for, so `--format table` does not pay for cyclonedx-python-lib.
Add a format: write `report/<format>.py` with a Reporter class and add one entry here.
"""

from __future__ import annotations

import importlib

from dockwise.model import ScanResult
from dockwise.report.base import Reporter, ReportError

REPORTERS: dict[str, tuple[str, str]] = {
    "table": ("dockwise.report.table", "TableReporter"),
    "json": ("dockwise.report.native_json", "NativeJsonReporter"),
    "cyclonedx-json": ("dockwise.report.cyclonedx", "CycloneDxJsonReporter"),
    "spdx-json": ("dockwise.report.spdx", "SpdxJsonReporter"),
    "html": ("dockwise.report.html", "HtmlReporter"),
    "sarif": ("dockwise.report.sarif", "SarifReporter"),
    "junit": ("dockwise.report.junit", "JunitReporter"),
    "gitlab": ("dockwise.report.gitlab", "GitlabReporter"),
    "markdown": ("dockwise.report.markdown", "MarkdownReporter"),
}

__all__ = ["REPORTERS", "ReportError", "Reporter", "render", "reporter"]


def reporter(fmt: str) -> Reporter:
    """The reporter for `fmt`; an unknown format is a `ReportError`, not a KeyError."""
    if fmt not in REPORTERS:
        choices = ", ".join(REPORTERS)
        raise ReportError(f"{fmt}: unknown output format (choose from {choices})")
    module, cls = REPORTERS[fmt]
    return getattr(importlib.import_module(module), cls)()


def render(result: ScanResult, fmt: str) -> str:
    """`result` as the `fmt` document."""
    return reporter(fmt).render(result)
