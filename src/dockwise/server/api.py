"""The one place the server reaches below the public API: the output formats, and the
hostile-input JSON reader. When `import dockwise` offers them, only this file changes."""

from __future__ import annotations

from dockwise.model import ScanResult
from dockwise.report import render
from dockwise.untrusted import load_json

__all__ = ["load_json", "render_result"]


def render_result(result: ScanResult, fmt: str) -> str:
    """`result` as the `fmt` document (`html`, `cyclonedx-json`, `spdx-json`, `json`)."""
    return render(result, fmt)
