"""Output formats of `dockwise diff`: the explicit registry its `--format` choices come from.

Kept apart from REPORTERS because a diff is not a ScanResult: `scan --format markdown`
and `diff --format markdown` are different documents.
"""

from __future__ import annotations

import importlib

from dockwise.changes import ImageDiff
from dockwise.errors import ReportError

DIFF_REPORTERS: dict[str, tuple[str, str]] = {
    "table": ("dockwise.report.diff.table", "DiffTableReporter"),
    "json": ("dockwise.report.diff.json", "DiffJsonReporter"),
    "markdown": ("dockwise.report.diff.markdown", "DiffMarkdownReporter"),
}


def render_diff(change: ImageDiff, fmt: str) -> str:
    """`change` as the `fmt` document."""
    if fmt not in DIFF_REPORTERS:
        raise ReportError(f"{fmt}: unknown diff format (choose from {', '.join(DIFF_REPORTERS)})")
    module, cls = DIFF_REPORTERS[fmt]
    return getattr(importlib.import_module(module), cls)().render(change)
