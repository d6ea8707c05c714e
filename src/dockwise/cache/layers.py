"""Analyses of layers, stored by the layer's digest under `<root>/layers/`."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

from dockwise.cache.keys import FORMAT, layer_key
from dockwise.cache.store import KeyedDir
from dockwise.model import LayerRef, ScanWarning
from dockwise.source.filetree import Entry, LayerAnalysis
from dockwise.source.layer import measured

DEFAULT_CAP = 2 << 30  # bytes; the oldest entries go first when it is exceeded
ENCODE_BATCH = 4096  # entries serialised at a time


class LayerCache(KeyedDir):
    """Analyses of layers under `<root>/layers/`."""

    key = staticmethod(layer_key)

    def __init__(self, root: Path, cap: int = DEFAULT_CAP) -> None:
        super().__init__(root / "layers", cap)

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out damaged: `load` decides)."""
        return self._path(key).is_file()

    def load(self, key: str, layer: LayerRef) -> LayerAnalysis | None:
        """The stored analysis, re-attached to this image's LayerRef; None if absent or bad."""
        data = self._read(key)
        try:
            return None if data is None else decode(data, layer)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # a damaged entry is just a miss

    def store(self, key: str, analysis: LayerAnalysis) -> None:
        """Write atomically; analyses that cannot be encoded are simply not cached."""
        try:
            self._write(key, encode(analysis))
        except (TypeError, ValueError):
            return


def encode(analysis: LayerAnalysis) -> Iterator[bytes]:
    """A JSON header line; the entries as three lines (paths in tar order, each path's
    metadata kind, the kinds' values: a layer of a million files holds a few thousand
    distinct ones); then the kept contents back to back. In pieces, a batch of paths at a
    time, so that encoding a layer of a million files costs no more memory than a batch."""
    contents, offset = [], 0
    for path, blob in analysis.contents.items():
        contents.append([path, offset, len(blob)])
        offset += len(blob)
    header = {
        "format": FORMAT,
        "uncompressed_size": analysis.layer.uncompressed_size,
        "contents": contents,
        "whiteouts": sorted(analysis.whiteouts),
        "opaque": sorted(analysis.opaque_dirs),
        "hardlinks": analysis.hardlinks,
        "facts": analysis.facts,
        "warnings": [[w.message, w.path] for w in analysis.warnings],
    }
    yield _dumps(header) + b"\n"
    yield from _list_line(iter(analysis.entries))
    kinds: dict[int, int] = {}  # id(entry) -> its kind (entries are alive: ids are stable)
    values = []
    for entry in analysis.entries.values():
        if id(entry) not in kinds:
            kinds[id(entry)] = len(values)
            values.append([entry.mode, entry.size, entry.link, entry.uid, entry.gid])
    yield from _list_line(kinds[id(e)] for e in analysis.entries.values())
    yield _dumps(values) + b"\n"
    yield from analysis.contents.values()


def _list_line(items: Iterator[object]) -> Iterator[bytes]:
    """A JSON list on one line, ENCODE_BATCH items at a time."""
    yield b"["
    sep = b""
    while batch := list(itertools.islice(items, ENCODE_BATCH)):
        yield sep + _dumps(batch)[1:-1]
        sep = b","
    yield b"]\n"


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain).encode(
        "utf-8", "surrogateescape"
    )


def _plain(value: object) -> str:
    """Facts may hold values still being computed (a Digest): store their final text."""
    # imported here: importing dockwise.analyze loads every analyzer, which a warm
    # re-scan (the image cache) never needs
    from dockwise.analyze.digest import Digest

    if isinstance(value, Digest):
        return str(value)
    raise TypeError(f"cannot cache {type(value).__name__}")


def decode(data: bytes, layer: LayerRef) -> LayerAnalysis:
    lines = _lines(data, 4)  # header, paths, kinds, values; the contents follow
    header = _loads(data, *lines[0])
    if header.get("format") != FORMAT:
        raise ValueError("cache format")
    analysis = LayerAnalysis(layer)
    shared = [Entry.shared(*value) for value in _loads(data, *lines[3])]
    # in C: a million entries load in a fraction of a second, without a list per entry
    analysis.entries = dict(zip(_loads(data, *lines[1]),
                                map(shared.__getitem__, _loads(data, *lines[2])), strict=True))
    body = lines[3][1] + 1
    for path, offset, length in header["contents"]:
        analysis.contents[path] = data[body + offset : body + offset + length]
    analysis.whiteouts = set(header["whiteouts"])
    analysis.opaque_dirs = set(header["opaque"])
    analysis.hardlinks = dict(header["hardlinks"])
    analysis.facts = header["facts"]
    analysis.warnings = [ScanWarning(m, p, layer) for m, p in header["warnings"]]
    return measured(analysis, header["uncompressed_size"])


def _lines(data: bytes, count: int) -> list[tuple[int, int]]:
    """(start, end) of the first `count` lines: read in place, not copied out."""
    spans, start = [], 0
    for _ in range(count):
        end = data.index(b"\n", start)
        spans.append((start, end))
        start = end + 1
    return spans


def _loads(data: bytes, start: int, end: int) -> object:
    with memoryview(data) as view:
        return json.loads(str(view[start:end], "utf-8", "surrogateescape"))
