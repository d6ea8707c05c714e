"""The one place the server reaches below the public API: the output formats. When
`import dockwise` offers rendering, only this file changes."""

from __future__ import annotations

from dockwise.model import ScanResult
from dockwise.report import render

__all__ = ["render_result"]


def render_result(result: ScanResult, fmt: str) -> str:
    """`result` as the `fmt` document (`html`, `cyclonedx-json`, `spdx-json`, `json`)."""
    return render(result, fmt)
