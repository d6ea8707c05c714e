"""What the layer reader keeps: contents for catalogers, facts from content analyzers.

Catalogers name paths (`globs`) and get the bytes after the merge. Content analyzers
are for files found by what they are rather than where they are (ELF executables, Java
archives): they see each candidate while the layer streams past and keep only small
facts, so memory does not grow with the size of the binaries in an image. An analyzer
whose globs hold EVERY_FILE (secrets) is shown every regular file; the others still see
only executables and the paths their globs name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from dockwise.globs import glob_regex
from dockwise.source.filetree import normalize

if TYPE_CHECKING:  # annotations only: importing analyze/ at run time loads every analyzer
    from dockwise.analyze.base import FileAnalyzer

HEAD_SIZE = 64  # bytes an analyzer sees before it claims a file
CONFIRM_SIZE = 8000  # bytes it sees again before a file over its cap counts as unread
EVERY_FILE = "**"  # an analyzer glob: every regular file is worth a look (found by content)
T = TypeVar("T")
SEEN_MAX = 1 << 16  # file names whose verdict a segment filter remembers


def _never(path: str) -> int:
    return 0


def _wanted(globs: Mapping[str, int], maybe: Callable[[str], bool]) -> Callable[[str], int]:
    """path -> size cap (0 when no cataloger wants it); one regex per distinct cap,
    compiled at the first candidate path: a warm run only needs the fingerprint."""
    compiled = _lazy(lambda: _by_cap(globs))

    def wanted(path: str) -> int:
        if path.startswith(("./", "/")) or "//" in path or "/." in path:
            path = normalize(path) or ""
        if not maybe(path):
            return 0
        for regex, cap in compiled():
            if regex.match(path):
                return cap
        return 0

    return wanted


def _by_cap(globs: Mapping[str, int]) -> list[tuple[re.Pattern[str], int]]:
    by_cap: dict[int, list[str]] = {}
    for glob, cap in globs.items():
        by_cap.setdefault(cap, []).append(glob)
    return [(glob_regex(patterns), cap) for cap, patterns in sorted(by_cap.items(), reverse=True)]


def _remember(cache: dict[str, bool], key: str, verdict: bool) -> bool:
    """Store a verdict in a bounded cache (emptied when full) and return it."""
    if len(cache) >= SEEN_MAX:
        cache.clear()
    cache[key] = verdict
    return verdict


def _lazy(make: Callable[[], T]) -> Callable[[], T]:
    """`make()` on the first call, the same value after. Compiling the catalogers' and
    analyzers' globs is about a tenth of a warm re-scan, which never matches a path."""
    return functools.cache(make)


def last_segment_filter(globs: Iterable[str]) -> Callable[[str], bool]:
    """A cheap necessary condition for a path to match any of the globs, from their last
    segments alone (a name, `*.ext`, `prefix*`, `dir/*`, or a literal inside).

    Image layers hold up to millions of paths and only a handful are wanted: this keeps
    the regexes for the few candidates (about 10x fewer regex runs per entry).
    """
    test = _SegmentTest()
    for glob in globs:
        test.add(glob)
    return test


class _SegmentTest:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.dirs: set[str] = set()
        self.suffixes: tuple[str, ...] = ()
        self.prefixes: tuple[str, ...] = ()
        self.inside: list[str] = []
        self.always = False
        self._seen: dict[str, bool] = {}  # file name -> whether the name tests pass

    def add(self, glob: str) -> None:
        parent, _, last = glob.rpartition("/")
        wild = sum(last.count(c) for c in "*?[")
        if not wild:
            self.names.add(last)
        elif last == "*" and parent and not any(c in parent.rsplit("/", 1)[-1] for c in "*?["):
            self.dirs.add(parent.rsplit("/", 1)[-1])
        elif wild == 1 and last.startswith("*"):
            self.suffixes += (last[1:],)
        elif wild == 1 and last.endswith("*"):
            self.prefixes += (last[:-1],)
        else:
            pieces = [p for p in re.split(r"[*?\[\]]", last) if p]
            self.inside.append(max(pieces, key=len)) if pieces else self._give_up()

    def _give_up(self) -> None:
        self.always = True

    @functools.cached_property
    def _inside(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, self.inside)))

    def __call__(self, path: str) -> bool:
        slash = path.rfind("/")
        if self.base_hit(path[slash + 1 :]):
            return True
        return slash > 0 and path[path.rfind("/", 0, slash) + 1 : slash] in self.dirs

    def base_hit(self, base: str) -> bool:
        """Whether a file of this name may match, whatever its directory."""
        hit = self._seen.get(base)
        if hit is None:  # a layer repeats its file names (index.js, __init__.py) endlessly
            hit = self._base(base)
            if len(self._seen) < SEEN_MAX:
                self._seen[base] = hit
        return hit

    def _base(self, base: str) -> bool:
        if self.always:
            return True
        if base in self.names or base.endswith(self.suffixes) or base.startswith(self.prefixes):
            return True
        return bool(self.inside) and self._inside.search(base) is not None


@dataclass(frozen=True, slots=True)
class Selector:
    """The reader's instructions, built once per run from catalogers and analyzers."""

    wanted: Callable[[str], int] = _never  # path -> bytes to keep for catalogers (0: none)
    analyzers: Sequence[FileAnalyzer] = ()
    _names: Callable[[], re.Pattern[str]] | None = field(default=None)  # compiled on first use
    _maybe: Callable[[str], bool] = field(default=lambda path: True)
    globs: tuple[tuple[str, int], ...] = ()  # what `wanted` was built from (for cache keys)
    every_file: tuple[FileAnalyzer, ...] = ()  # analyzers shown every regular file
    _segments: tuple[_SegmentTest, ...] = ()  # the catalogers' and analyzers' filters
    # remembered verdicts of `plain`: file name -> `_plain_name`, directory -> `_plain_dir`
    _plain_names: dict[str, bool] = field(default_factory=dict, compare=False)
    _plain_dirs: dict[str, bool] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, globs: Mapping[str, int], analyzers: Sequence[FileAnalyzer]) -> Selector:
        """From catalogers' globs with their size caps, and the content analyzers."""
        names = [g for a in analyzers for g in a.globs if g != EVERY_FILE]
        wanted_segments, named_segments = last_segment_filter(globs), last_segment_filter(names)
        return cls(
            wanted=_wanted(globs, wanted_segments),
            analyzers=tuple(analyzers),
            _names=_lazy(lambda: glob_regex(names)) if names else None,
            _maybe=named_segments,
            globs=tuple(sorted(globs.items())),
            every_file=tuple(a for a in analyzers if EVERY_FILE in a.globs),
            _segments=(wanted_segments, named_segments),
        )

    def plain(self, path: str, mode: int) -> bool:
        """True when no cataloger wants this regular file and no analyzer would look at it,
        so the reader records its metadata and skips it unseen; False when unsure. `path`
        is clean (`normalize`). Decided per file name and per directory, both remembered:
        a layer lists a directory's files together and repeats file names endlessly."""
        if mode & 0o111 and self.analyzers:
            return False
        directory, _, base = path.rpartition("/")
        verdict = self._plain_names.get(base)
        if verdict is None:
            verdict = _remember(self._plain_names, base, self._plain_name(base))
        if not verdict:
            return False
        verdict = self._plain_dirs.get(directory)
        if verdict is None:
            verdict = _remember(self._plain_dirs, directory, self._plain_dir(directory, path))
        return verdict

    def _plain_name(self, base: str) -> bool:
        return bool(self._segments) and not any(test.base_hit(base) for test in self._segments)

    def _plain_dir(self, directory: str, path: str) -> bool:
        """No filter names this directory, and every every-file analyzer ignores it (asked
        with the directory's first file: `FileAnalyzer.ignores` depends on the directory)."""
        parent = directory.rpartition("/")[2]
        if directory and any(parent in test.dirs for test in self._segments):
            return False
        return all(a.ignores(path) for a in self.every_file)

    def fingerprint(self) -> list:
        """Everything that decides what a layer analysis keeps, as plain data."""
        analyzers = [[a.name, list(a.globs), a.max_size] for a in self.analyzers]
        return [list(map(list, self.globs)), analyzers]

    def worth_a_look(self, name: str, mode: int) -> bool:
        """Every file an every-file analyzer does not ignore; else executables and glob
        matches."""
        return any(not a.ignores(name) for a in self.every_file) or self._named(name, mode)

    def claim(
        self, name: str, head: bytes, mode: int, every: bool = False
    ) -> tuple[FileAnalyzer, ...]:
        """The analyzers that take this file: all of them for an executable or a glob
        match, else (or when `every`) only the every-file ones."""
        asked = self.analyzers if not every and self._named(name, mode) else self.every_file
        return tuple(a for a in asked if a.claims(name, head))

    def _named(self, name: str, mode: int) -> bool:
        if not self.analyzers:
            return False
        if mode & 0o111:
            return True
        return (
            self._names is not None and self._maybe(name) and self._names().match(name) is not None
        )
