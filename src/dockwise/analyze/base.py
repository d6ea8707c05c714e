"""The content analyzer's interface, which the layer reader calls while a layer streams.

It imports nothing of dockwise: the source's selector holds analyzers through it
without depending on any of them (the layers test places this module at the floor).
"""

from __future__ import annotations

from typing import Protocol


class FileAnalyzer(Protocol):
    """Extracts small facts from files it recognises; runs during the layer pass."""

    name: str  # stable kebab-case id; facts are stored under it ("elf", "java-archive")
    globs: tuple[str, ...]  # non-executable paths worth a look (executables always are)
    max_size: int  # larger files are not read (a warning says so)

    def claims(self, path: str, head: bytes) -> bool: ...

    def ignores(self, path: str) -> bool:
        """Whether no file at this path is ever claimed, whatever its content. Asked only
        of every-file analyzers (globs holding "**"), before the reader peeks at a file:
        a tree of a million third-party files is then skipped by name. The answer must
        depend on the directory alone: the reader asks once per directory."""
        ...

    def analyze(self, path: str, content: bytes) -> object | None: ...
