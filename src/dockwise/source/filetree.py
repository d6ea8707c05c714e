"""The squashed view of an image: every layer's analysis merged, whiteouts applied.

Each layer is analysed on its own (`LayerAnalysis`) so that a later run can cache it
by the layer's digest; `FileTree.from_layers` merges them in order the way the
OCI image spec's "applying changesets" section describes.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from dockwise.globs import glob_regex
from dockwise.model import LayerRef, Location, ScanWarning
from dockwise.source.paths import normalize

MAX_SYMLINK_HOPS = 40  # the same limit as Linux's ELOOP
SHARED_MAX = 1 << 16  # distinct values kept by `Entry.shared` / the tree's version tuples
_FEW = 16  # up to this many whiteouts per layer, a prefix scan beats walking ancestors


@dataclass(frozen=True, slots=True)
class File:
    """A file of the image as a cataloger sees it: metadata and, when wanted, content."""

    path: str  # no leading slash, normalised
    layer: LayerRef | None
    size: int = 0
    mode: int = 0o100644  # st_mode including the file type bits
    content: bytes | None = None  # None when not wanted or over its size cap
    link: str = ""  # symlink target as stored
    facts: Mapping[str, object] = field(default_factory=dict)  # content analyzers' findings

    @property
    def location(self) -> Location:
        return Location(self.path, self.layer)

    def text(self) -> str:
        """Content as text; undecodable bytes are replaced rather than fatal."""
        return (self.content or b"").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Entry:
    """Metadata of one path in one layer (no content: contents live beside it)."""

    mode: int  # st_mode with file type bits
    size: int = 0
    link: str = ""  # symlink target, or for a hard link the path it links to
    uid: int = 0
    gid: int = 0

    @classmethod
    def shared(cls, mode: int, size: int, link: str, uid: int, gid: int) -> Entry:
        """One object per distinct metadata: a layer of a million files holds a few
        thousand distinct (mode, size, owner) values, so entries are interned rather than
        allocated per path (72 bytes each). Bounded: cleared when SHARED_MAX is reached."""
        key = (mode, size, link, uid, gid)
        found = _SHARED.get(key)
        if found is None:
            if len(_SHARED) >= SHARED_MAX:
                _SHARED.clear()
            found = _SHARED[key] = cls(mode, size, link, uid, gid)
        return found

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)


_SHARED: dict[tuple[int, int, str, int, int], Entry] = {}
Versions = tuple[tuple[int, Entry], ...]  # (layer index, entry), oldest first


@dataclass(slots=True)
class LayerAnalysis:
    """What one layer adds, replaces and deletes, plus the contents someone asked for."""

    layer: LayerRef
    entries: dict[str, Entry] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    whiteouts: set[str] = field(default_factory=set)  # paths this layer deletes
    opaque_dirs: set[str] = field(default_factory=set)  # dirs whose lower content is hidden
    hardlinks: dict[str, str] = field(default_factory=dict)  # path -> target in a lower layer
    facts: dict[str, dict[str, object]] = field(default_factory=dict)  # path -> analyzer -> facts
    warnings: list[ScanWarning] = field(default_factory=list)
    # path -> (size, (name, cap) of each analyzer that claimed it over its cap); turned
    # into warnings at the end of the pass (`layer.count_unread`), so never cached
    unread: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = field(default_factory=dict)


class FileTree:
    """The merged filesystem: for each live path, every layer's version since its creation."""

    def __init__(self, layers: tuple[LayerRef, ...] = ()) -> None:
        self.layers = layers
        # path -> versions in layer order, newest last; only versions still in effect.
        # Tuples, and a path's only version is a tuple shared by every path with the same
        # layer and entry: per path the tree holds the path and a dict slot, nothing more.
        self._versions: dict[str, Versions] = {}
        self._single: dict[tuple[int, int], Versions] = {}
        self._contents: dict[tuple[str, int], bytes] = {}
        self._facts: dict[tuple[str, int], dict[str, object]] = {}
        self._kept: set[str] = set()  # paths some version of which has kept content
        # versions a whiteout removed, with their facts: (file, index of the deleting layer)
        self._removed: list[tuple[File, int]] = []
        self._by_index = {layer.index: layer for layer in layers}
        self.warnings: list[ScanWarning] = []

    @classmethod
    def from_layers(cls, analyses: Iterable[LayerAnalysis]) -> FileTree:
        """Apply each layer's changes on top of the ones below it. Analyses are taken one
        at a time and not kept, so a layer's own entries are freed once merged."""
        tree = cls()
        for analysis in analyses:
            tree.layers += (analysis.layer,)
            tree._by_index[analysis.layer.index] = analysis.layer
            tree._apply(analysis)
        return tree

    @classmethod
    def from_files(
        cls, files: Mapping[str, bytes | str], layer: LayerRef | None = None
    ) -> FileTree:
        """A one-layer tree of regular files; symlinks are written as "-> target" strings."""
        analysis = LayerAnalysis(layer or LayerRef(0, ""))
        for raw_path, data in files.items():
            path = normalize(raw_path) or ""
            if isinstance(data, str) and data.startswith("-> "):
                analysis.entries[path] = Entry(stat.S_IFLNK | 0o777, link=data[3:])
                continue
            blob = data.encode() if isinstance(data, str) else data
            analysis.entries[path] = Entry(stat.S_IFREG | 0o644, len(blob))
            analysis.contents[path] = blob
        return cls.from_layers([analysis])

    def _apply(self, analysis: LayerAnalysis) -> None:
        index, entries, versions = analysis.layer.index, analysis.entries, self._versions
        replaced = {  # a file replaced by a directory, or back: the old one goes entirely
            path
            for path in versions.keys() & entries.keys()  # in C, over the smaller of the two
            if versions[path][-1][1].is_dir != entries[path].is_dir
        }
        self._delete(analysis.whiteouts | replaced, analysis.opaque_dirs, index)
        ones: dict[int, Versions] = {}  # id(entry) -> `_one`: no call for most paths
        for path, entry in entries.items():
            old = versions.get(path)
            if old is not None:
                versions[path] = (*old, (index, entry))
            else:
                versions[path] = ones.get(id(entry)) or ones.setdefault(
                    id(entry), self._one(index, entry))
        for path, blob in analysis.contents.items():
            self._contents[(path, index)] = blob
        self._kept.update(analysis.contents)
        for path, facts in analysis.facts.items():
            self._facts[(path, index)] = facts
        for path, target in analysis.hardlinks.items():
            self._link(path, target, analysis.layer)
        self.warnings.extend(analysis.warnings)

    def _one(self, index: int, entry: Entry) -> Versions:
        """The shared one-version tuple (entries are interned, so keyed by identity; the
        tuple holds the entry, so its id is never reused while the key is there)."""
        key = (index, id(entry))
        found = self._single.get(key)
        if found is None:
            if len(self._single) >= SHARED_MAX:
                self._single.clear()
            found = self._single[key] = ((index, entry),)
        return found

    def _link(self, path: str, target: str, layer: LayerRef) -> None:
        """A hard link to a file of a lower layer: same metadata and kept content."""
        versions = self._versions.get(target)
        if not versions or versions[-1][1].is_dir:
            self.warnings.append(ScanWarning("hard link to a missing file; ignored", path, layer))
            return
        lower_index, entry = versions[-1]
        self._versions[path] = (*self._versions.get(path, ()), (layer.index, entry))
        content = self._contents.get((target, lower_index))
        if content is not None:
            self._contents[(path, layer.index)] = content
        if (target, lower_index) in self._facts:
            self._facts[(path, layer.index)] = self._facts[(target, lower_index)]

    def _delete(self, whole: set[str], below: set[str], by: int) -> None:
        """Remove `whole` paths with everything under them, and everything under `below`.

        One pass over the tree for all of a layer's whiteouts, so a hostile layer with
        thousands of them costs paths x depth, not paths x whiteouts.
        """
        if not whole and not below:
            return
        if len(whole) + len(below) <= _FEW:
            prefixes = tuple(f"{p}/" for p in (*whole, *below) if p)
            everything = "" in below
            doomed = [
                p for p in self._versions if everything or p in whole or p.startswith(prefixes)
            ]
        else:
            doomed = [p for p in self._versions if _hidden(p, whole, below)]
        for p in doomed:
            for index, entry in self._versions.pop(p, ()):
                self._contents.pop((p, index), None)
                facts = self._facts.pop((p, index), None)
                if facts:  # the bytes still ship in the lower layer: keep what was learnt
                    self._removed.append((self._file(p, index, entry, facts), by))

    # -- queries -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._versions)

    def paths(self) -> Iterator[str]:
        """Every live path, in no particular order."""
        return iter(self._versions)

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """Every live path with its newest metadata, in no particular order: one pass
        for the checks that look at every path (a million calls of `entry` cost a second)."""
        for path, versions in self._versions.items():
            yield path, versions[-1][1]

    def entry(self, path: str) -> Entry | None:
        """The newest metadata of a path as stored (symlinks not followed)."""
        versions = self._versions.get(path)
        return versions[-1][1] if versions else None

    def file(self, path: str) -> File | None:
        """The newest version of a path as stored (symlinks not followed)."""
        versions = self._versions.get(path)
        return self._file(path, *versions[-1]) if versions else None

    def versions(self, path: str) -> list[File]:
        """Each layer's version of a path, oldest first, since it was last deleted."""
        return [self._file(path, i, e) for i, e in self._versions.get(path, ())]

    def glob(self, pattern: str | re.Pattern[str]) -> Iterator[File]:
        """Live files (not directories) whose path matches, sorted by path."""
        regex = glob_regex([pattern]) if isinstance(pattern, str) else pattern
        for path in sorted(p for p in self._versions if regex.match(p)):
            file = self.file(path)
            if file is not None and not stat.S_ISDIR(file.mode):
                yield file

    def kept(self, regex: re.Pattern[str]) -> Iterator[File]:
        """Live files with kept content whose path matches, sorted by path.

        Catalogers only parse what the layer pass kept for them, so this looks at those
        few paths instead of matching every path of the image.
        """
        for path in sorted(p for p in self._kept if regex.match(p)):
            file = self.file(path)
            if file is not None and file.content is not None:
                yield file

    def with_facts(self, analyzer: str) -> Iterator[File]:
        """Live files for which the named content analyzer recorded facts, by path."""
        paths = {p for (p, i), facts in self._facts.items() if analyzer in facts}
        for path in sorted(paths):
            file = self.file(path)
            if file is not None and analyzer in file.facts:
                yield file

    def facts_history(self, analyzer: str) -> Iterator[tuple[File, LayerRef | None]]:
        """Every version that ever carried this analyzer's facts, with the layer that hid
        it (a whiteout, or a newer version of the same path); None while it is in effect.

        A file deleted or overwritten by a later layer still ships in its own layer, so
        secrets and the like must be looked for in all of them.
        """
        for path, versions in self._versions.items():
            for (index, entry), newer in zip(versions, [*versions[1:], None], strict=True):
                facts = self._facts.get((path, index))
                if facts and analyzer in facts:
                    hidden_by = self._by_index.get(newer[0]) if newer else None
                    yield self._file(path, index, entry, facts), hidden_by
        for file, by in self._removed:
            if analyzer in file.facts:
                yield file, self._by_index.get(by)

    def resolve(self, path: str) -> str | None:
        """Follow symlinks inside the image root; None for a loop or a missing path.

        An absolute link target, or `..` above the root, resolves against the image
        root, never the host: the same rule as a chroot.
        """
        pending = [p for p in path.split("/") if p]
        done: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/".join(done + [part])
            entry = self.entry(candidate)
            if entry is None:
                if not pending:
                    return None
                done.append(part)  # a directory implied by deeper paths
                continue
            if entry.is_symlink:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                target = entry.link
                if target.startswith("/"):
                    done = []
                pending = [p for p in target.split("/") if p] + pending
                continue
            done.append(part)
        return "/".join(done)

    def lookup(self, path: str) -> File | None:
        """The file a path names after following symlinks (like open(2) would)."""
        real = self.resolve(path)
        return None if real is None else self.file(real)

    def read_bytes(self, path: str) -> bytes | None:
        """Content of the file a path names, if it was kept; symlinks followed."""
        file = self.lookup(path)
        return None if file is None else file.content

    def _file(self, path: str, index: int, entry: Entry, facts: dict | None = None) -> File:
        return File(
            path=path,
            layer=self._by_index.get(index),
            size=entry.size,
            mode=entry.mode,
            content=self._contents.get((path, index)),
            link=entry.link,
            facts=self._facts.get((path, index), {}) if facts is None else facts,
        )


def _hidden(path: str, whole: set[str], below: set[str]) -> bool:
    """Whether a whiteout (`whole`) or an opaque directory (`below`) removes `path`."""
    if path in whole or "" in below:
        return True
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        if path in whole or path in below:
            return True
    return False
