"""Content analyzers: facts from files found by what they are, read during the layer pass.

Add one: write `analyze/<thing>.py` with a class that has `name`, `globs`, `max_size`,
`claims(path, head)` and `analyze(path, content)`, and add its line to ANALYZERS.
Catalogers then read the facts with `env.tree.with_facts(name)`.

The registry names each analyzer's module and class, as the output formats' registry
does: a module is imported only when a run uses it, so `sbom` (the inventory's
analyzers only) never loads the secret rules, the indicator automata or the run
configuration rules (debian-min: 0.01-0.02 s of a 0.75 s cold run).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockwise.analyze.base import FileAnalyzer


@dataclass(frozen=True, slots=True)
class Registered:
    """Where an analyzer lives, and whether the inventory reads its facts (catalogers,
    unowned binaries); the others only `scan`'s checks read, so `sbom` leaves them out."""

    module: str
    cls: str
    inventory: bool


ANALYZERS: tuple[Registered, ...] = (
    Registered("dockwise.analyze.elf", "ElfAnalyzer", inventory=True),
    Registered("dockwise.analyze.script", "ScriptAnalyzer", inventory=True),
    Registered("dockwise.analyze.gobinary", "GoBinaryAnalyzer", inventory=True),
    Registered("dockwise.analyze.java", "JavaArchiveAnalyzer", inventory=True),
    Registered("dockwise.analyze.secrets", "SecretsAnalyzer", inventory=False),
    Registered("dockwise.analyze.indicators", "IndicatorsAnalyzer", inventory=False),
    Registered("dockwise.analyze.runconfig", "RunConfigAnalyzer", inventory=False),
)


def analyzers(checks: bool = True) -> tuple[FileAnalyzer, ...]:
    """Every registered analyzer (`checks`), or only those the inventory reads."""
    return tuple(_instance(entry) for entry in ANALYZERS if checks or entry.inventory)


@functools.cache  # one instance per process, as a module-level registry of instances had
def _instance(entry: Registered) -> FileAnalyzer:
    return getattr(importlib.import_module(entry.module), entry.cls)()
