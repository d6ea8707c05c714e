"""What the layer reader keeps: contents for catalogers, facts from content analyzers.

Catalogers name paths (`globs`) and get the bytes after the merge. Content analyzers
are for files found by what they are rather than where they are (ELF executables, Java
archives): they see each candidate while the layer streams past and keep only small
facts, so memory does not grow with the size of the binaries in an image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

HEAD_SIZE = 64  # bytes an analyzer sees before it claims a file


class FileAnalyzer(Protocol):
    """Extracts small facts from files it recognises; runs during the layer pass."""

    name: str  # stable kebab-case id; facts are stored under it ("elf", "java-archive")
    globs: tuple[str, ...]  # non-executable paths worth a look (executables always are)
    max_size: int  # larger files are not read (a warning says so)

    def claims(self, path: str, head: bytes) -> bool: ...

    def analyze(self, path: str, content: bytes) -> object | None: ...


def _never(path: str) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class Selector:
    """The reader's instructions, built once per run from catalogers and analyzers."""

    wanted: Callable[[str], int] = _never  # path -> bytes to keep for catalogers (0: none)
    analyzers: Sequence[FileAnalyzer] = ()
    _names: re.Pattern[str] | None = field(default=None)

    @classmethod
    def build(cls, wanted: Callable[[str], int], analyzers: Sequence[FileAnalyzer]) -> Selector:
        from dockwise.source.filetree import glob_regex

        globs = [g for a in analyzers for g in a.globs]
        return cls(wanted, tuple(analyzers), glob_regex(globs) if globs else None)

    def worth_a_look(self, name: str, mode: int) -> bool:
        """Executables always; other files when an analyzer's glob names them."""
        if not self.analyzers:
            return False
        return bool(mode & 0o111) or (
            self._names is not None and self._names.match(name) is not None
        )

    def claim(self, name: str, head: bytes) -> tuple[FileAnalyzer, ...]:
        return tuple(a for a in self.analyzers if a.claims(name, head))
