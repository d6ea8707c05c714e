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
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is just a miss

    def store(self, key: str, analysis: LayerAnalysis) -> None:
        """Write atomically; analyses that cannot be encoded are simply not cached."""
        try:
            self._write(key, encode(analysis))
        except (TypeError, ValueError):
            return


def encode(analysis: LayerAnalysis) -> Iterator[bytes]:
    """JSON header line, then the kept contents back to back; in pieces, the entries a
    batch at a time, so that encoding a layer of a million files costs no more memory
    than a batch."""
    contents, offset = [], 0
    for path, blob in analysis.contents.items():
        contents.append([path, offset, len(blob)])
        offset += len(blob)
    header = {
        "format": FORMAT,
        "uncompressed_size": analysis.layer.uncompressed_size,
        "entries": None,
        "contents": contents,
        "whiteouts": sorted(analysis.whiteouts),
        "opaque": sorted(analysis.opaque_dirs),
        "hardlinks": analysis.hardlinks,
        "facts": analysis.facts,
        "warnings": [[w.message, w.path] for w in analysis.warnings],
    }
    before, _, after = _dumps(header).partition(b'"entries":null')
    yield before + b'"entries":['
    items = iter(analysis.entries.items())
    sep = b""
    while batch := list(itertools.islice(items, ENCODE_BATCH)):
        yield sep + _dumps([[p, e.mode, e.size, e.link, e.uid, e.gid] for p, e in batch])[1:-1]
        sep = b","
    yield b"]" + after + b"\n"
    yield from analysis.contents.values()


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
    line, _, body = data.partition(b"\n")
    header = json.loads(line.decode("utf-8", "surrogateescape"))
    if header.get("format") != FORMAT:
        raise ValueError("cache format")
    analysis = LayerAnalysis(layer)
    for path, mode, size, link, uid, gid in header["entries"]:
        analysis.entries[path] = Entry.shared(mode, size, link, uid, gid)
    for path, offset, length in header["contents"]:
        analysis.contents[path] = body[offset : offset + length]
    analysis.whiteouts = set(header["whiteouts"])
    analysis.opaque_dirs = set(header["opaque"])
    analysis.hardlinks = dict(header["hardlinks"])
    analysis.facts = header["facts"]
    analysis.warnings = [ScanWarning(m, p, layer) for m, p in header["warnings"]]
    return measured(analysis, header["uncompressed_size"])
