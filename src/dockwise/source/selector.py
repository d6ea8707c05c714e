"""What the layer reader keeps: contents for catalogers, facts from content analyzers.

Catalogers name paths (`globs`) and get the bytes after the merge. Content analyzers
are for files found by what they are rather than where they are (ELF executables, Java
archives): they see each candidate while the layer streams past and keep only small
facts, so memory does not grow with the size of the binaries in an image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dockwise.source.filetree import glob_regex, normalize

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


def _wanted(globs: Mapping[str, int]) -> Callable[[str], int]:
    """path -> size cap (0 when no cataloger wants it); one regex per distinct cap."""
    by_cap: dict[int, list[str]] = {}
    for glob, cap in globs.items():
        by_cap.setdefault(cap, []).append(glob)
    rules = [(glob_regex(patterns), cap) for cap, patterns in sorted(by_cap.items(), reverse=True)]

    def wanted(path: str) -> int:
        if path.startswith(("./", "/")) or "//" in path or "/." in path:
            path = normalize(path) or ""
        for regex, cap in rules:
            if regex.match(path):
                return cap
        return 0

    return wanted


@dataclass(frozen=True, slots=True)
class Selector:
    """The reader's instructions, built once per run from catalogers and analyzers."""

    wanted: Callable[[str], int] = _never  # path -> bytes to keep for catalogers (0: none)
    analyzers: Sequence[FileAnalyzer] = ()
    _names: re.Pattern[str] | None = field(default=None)
    globs: tuple[tuple[str, int], ...] = ()  # what `wanted` was built from (for cache keys)

    @classmethod
    def build(cls, globs: Mapping[str, int], analyzers: Sequence[FileAnalyzer]) -> Selector:
        """From catalogers' globs with their size caps, and the content analyzers."""
        names = [g for a in analyzers for g in a.globs]
        return cls(
            wanted=_wanted(globs),
            analyzers=tuple(analyzers),
            _names=glob_regex(names) if names else None,
            globs=tuple(sorted(globs.items())),
        )

    def fingerprint(self) -> list:
        """Everything that decides what a layer analysis keeps, as plain data."""
        analyzers = [[a.name, list(a.globs), a.max_size] for a in self.analyzers]
        return [list(map(list, self.globs)), analyzers]

    def worth_a_look(self, name: str, mode: int) -> bool:
        """Executables always; other files when an analyzer's glob names them."""
        if not self.analyzers:
            return False
        return bool(mode & 0o111) or (
            self._names is not None and self._names.match(name) is not None
        )

    def claim(self, name: str, head: bytes) -> tuple[FileAnalyzer, ...]:
        return tuple(a for a in self.analyzers if a.claims(name, head))
