"""The layer cache: each layer's analysis stored by its digest, so it is read only once.

A base layer shared by a hundred images, or an image scanned again tomorrow, costs a
small file read instead of a download and a decompression. Keys cover the layer's
diff_id and everything that decides what the analysis keeps (the selector's globs and
caps, the analyzers, the code), so a new dockwise version never reuses stale results.
Entries are written to a temporary name and renamed, so concurrent runs are safe.
Stored as JSON plus the kept contents, zstd-compressed: no pickle, because a cache file
is data and must never be able to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zstandard

from dockwise import __version__
from dockwise.analyze.digest import Digest
from dockwise.model import LayerRef, ScanWarning
from dockwise.source.filetree import Entry, LayerAnalysis
from dockwise.source.selector import Selector

FORMAT = 1
DEFAULT_CAP = 2 << 30  # bytes; the oldest entries go first when it is exceeded
MAX_ENTRY = 256 << 20  # a single decoded entry larger than this is refused


def cache_root(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/dockwise`, else `~/.cache/dockwise` (the XDG base-dir spec)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or ""
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "dockwise"


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    bytes: int


class LayerCache:
    """Analyses of layers under `<root>/layers/<key[:2]>/<key>`."""

    def __init__(self, root: Path, cap: int = DEFAULT_CAP) -> None:
        self.dir = root / "layers"
        self.cap = cap

    def key(self, layer: LayerRef, selector: Selector) -> str | None:
        """None when the layer has no digest to trust (a directory source)."""
        digest = layer.diff_id or layer.digest
        if not digest:
            return None
        return hashlib.sha256(f"{FORMAT}\0{digest}\0{_fingerprint(selector)}".encode()).hexdigest()

    def load(self, key: str, layer: LayerRef) -> LayerAnalysis | None:
        """The stored analysis, re-attached to this image's LayerRef; None if absent or bad."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
            data = zstandard.ZstdDecompressor().decompress(raw, max_output_size=MAX_ENTRY)
            analysis = decode(data, layer)
        except (OSError, ValueError, KeyError, TypeError, zstandard.ZstdError):
            return None  # a missing or damaged entry is just a miss
        os.utime(path)  # recently used: evicted last
        return analysis

    def store(self, key: str, analysis: LayerAnalysis) -> None:
        """Write atomically; analyses that cannot be encoded are simply not cached."""
        try:
            data = zstandard.ZstdCompressor(level=3).compress(encode(analysis))
        except (TypeError, ValueError):
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        self._evict()

    def stats(self) -> CacheStats:
        files = self._files()
        return CacheStats(len(files), sum(size for _, size, _ in files))

    def clean(self) -> CacheStats:
        """Remove every entry; returns what was removed."""
        removed = self.stats()
        for path, _, _ in self._files():
            path.unlink(missing_ok=True)
        return removed

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key

    def _files(self) -> list[tuple[Path, int, float]]:
        found = []
        for path in self.dir.glob("*/*"):
            try:
                st = path.stat()
            except OSError:
                continue
            found.append((path, st.st_size, st.st_mtime))
        return found

    def _evict(self) -> None:
        files = self._files()
        total = sum(size for _, size, _ in files)
        for path, size, _ in sorted(files, key=lambda f: f[2]):
            if total <= self.cap:
                return
            path.unlink(missing_ok=True)
            total -= size


def _fingerprint(selector: Selector) -> str:
    """What decides an analysis' content: dockwise's code and the selector's requests."""
    return hashlib.sha256(
        json.dumps([__version__, _code_stamp(), selector.fingerprint()], sort_keys=True).encode()
    ).hexdigest()


_CODE_STAMP: list[str] = []


def _code_stamp() -> str:
    """Sizes and mtimes of dockwise's own modules: an edited checkout invalidates entries."""
    if not _CODE_STAMP:
        package = Path(__file__).parent
        stamp = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            st = path.stat()
            stamp.update(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}".encode())
        _CODE_STAMP.append(stamp.hexdigest())
    return _CODE_STAMP[0]


def encode(analysis: LayerAnalysis) -> bytes:
    """JSON header line, then the kept contents back to back."""
    blobs: list[bytes] = []
    contents = []
    offset = 0
    for path, blob in analysis.contents.items():
        contents.append([path, offset, len(blob)])
        blobs.append(blob)
        offset += len(blob)
    header = {
        "format": FORMAT,
        "entries": [[p, e.mode, e.size, e.link, e.uid, e.gid] for p, e in analysis.entries.items()],
        "contents": contents,
        "whiteouts": sorted(analysis.whiteouts),
        "opaque": sorted(analysis.opaque_dirs),
        "hardlinks": analysis.hardlinks,
        "facts": analysis.facts,
        "warnings": [[w.message, w.path] for w in analysis.warnings],
    }
    line = json.dumps(header, separators=(",", ":"), ensure_ascii=False, default=_plain).encode(
        "utf-8", "surrogateescape"
    )
    return line + b"\n" + b"".join(blobs)


def _plain(value: object) -> str:
    """Facts may hold values still being computed (a Digest): store their final text."""
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
        analysis.entries[path] = Entry(mode, size, link, uid, gid)
    for path, offset, length in header["contents"]:
        analysis.contents[path] = body[offset : offset + length]
    analysis.whiteouts = set(header["whiteouts"])
    analysis.opaque_dirs = set(header["opaque"])
    analysis.hardlinks = dict(header["hardlinks"])
    analysis.facts = header["facts"]
    analysis.warnings = [ScanWarning(m, p, layer) for m, p in header["warnings"]]
    return analysis
