"""Subcommands of `dockwise`: the explicit registry the CLI builds its parser from.

Add one: write `commands/<name>.py` with HELP, `add_arguments(parser)` and
`run(args) -> int`, and add it to COMMANDS.
"""

from __future__ import annotations

from types import ModuleType

from dockwise.commands import cache, db, diff, gate, lint, sbom, scan

COMMANDS: dict[str, ModuleType] = {
    "sbom": sbom,
    "scan": scan,
    "gate": gate,
    "db": db,
    "cache": cache,
    "diff": diff,
    "lint": lint,
}
