"""Everything a run depends on, resolved once from flags and environment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    source: str
    platform: str | None = None
    output_format: str = "table"
    output: str | None = None
    quiet: bool = False
