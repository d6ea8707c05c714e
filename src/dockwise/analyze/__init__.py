"""Content analyzers: facts from files found by what they are, read during the layer pass.

Add one: write `analyze/<thing>.py` with a class that has `name`, `globs`, `max_size`,
`inventory`, `claims(path, head)` and `analyze(path, content)`, and add an instance to
ANALYZERS. `sbom` runs only the analyzers whose facts the inventory reads.
Catalogers then read the facts with `env.tree.with_facts(name)`.
"""

from __future__ import annotations

from dockwise.analyze.base import FileAnalyzer
from dockwise.analyze.elf import ElfAnalyzer
from dockwise.analyze.gobinary import GoBinaryAnalyzer
from dockwise.analyze.indicators import IndicatorsAnalyzer
from dockwise.analyze.java import JavaArchiveAnalyzer
from dockwise.analyze.runconfig import RunConfigAnalyzer
from dockwise.analyze.script import ScriptAnalyzer
from dockwise.analyze.secrets import SecretsAnalyzer

ANALYZERS: tuple[FileAnalyzer, ...] = (
    ElfAnalyzer(),
    ScriptAnalyzer(),
    GoBinaryAnalyzer(),
    JavaArchiveAnalyzer(),
    SecretsAnalyzer(),
    IndicatorsAnalyzer(),
    RunConfigAnalyzer(),
)
