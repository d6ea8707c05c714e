"""The reporter role: turn a finished result into text, with no I/O and no CLI flags.

Reporters return a string so the CLI alone decides where it goes (stdout or `--output`),
as pip-audit's `VulnerabilityFormat` and syft's `FormatEncoder` do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dockwise.errors import ReportError

if TYPE_CHECKING:  # annotations only: `dockwise --version` need not load the model
    from dockwise.model import ScanResult

__all__ = ["ReportError", "Reporter"]


class Reporter(Protocol):
    """One output format; `name` is the stable `--format` value."""

    name: str

    def render(self, result: ScanResult) -> str:
        """The whole document for `result`; raises `ReportError` when it cannot be built."""
        ...
