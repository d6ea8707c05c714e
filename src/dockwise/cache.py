"""The layer cache: each layer's analysis stored by its digest, so it is read only once.

A base layer shared by a hundred images, or an image scanned again tomorrow, costs a
small file read instead of a download and a decompression. Keys cover the layer's
diff_id and everything that decides what the analysis keeps (the selector's globs and
caps, the analyzers, the code), so a new dockwise version never reuses stale results.
Entries are written to a temporary name and renamed, so concurrent runs are safe.
Stored as JSON plus the kept contents, zstd-compressed: no pickle, because a cache file
is data and must never be able to run code.

Beside the analyses, registry layer blobs are kept exactly as downloaded under
`<root>/blobs/sha256/<hex>` (the OCI layout's own naming). They only matter when an
analysis is missing although the layer was seen before: after a dockwise upgrade, or
when other catalogers are selected. So they have their own, smaller cap than the
analyses: a shared cap would let one large image's blobs (hundreds of MB) evict
thousands of analyses (tens of KB each), which are what makes re-scans cheap. A blob
over a quarter of the blob cap is not kept at all, so that one huge layer cannot empty
the cache. A blob is written under a temporary name while it streams, hashed, and
renamed to its digest only when the digest matches, so a reader never sees a partial or
wrong blob; two runs fetching the same blob both rename identical bytes, which is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

from dockwise import __version__
from dockwise.analyze.digest import Digest
from dockwise.errors import DockwiseError, SourceError
from dockwise.model import LayerRef, ScanResult, ScanWarning
from dockwise.source.filetree import Entry, LayerAnalysis
from dockwise.source.layer import measured
from dockwise.source.selector import Selector

FORMAT = 2  # 2: analyses record the layer's uncompressed tar size
DEFAULT_IMAGE_CAP = 256 << 20  # inventories are a few hundred KiB each
DEFAULT_CAP = 2 << 30  # bytes; the oldest entries go first when it is exceeded
MAX_ENTRY = 256 << 20  # a single decoded entry larger than this is refused
DEFAULT_BLOB_CAP = 1 << 30  # bytes of layer blobs; smaller than the analyses' (see above)
BLOB_SHARE = 4  # a blob over cap / BLOB_SHARE is never kept
COPY_CHUNK = 1 << 20
_TEMP = ".tmp-"
_HEX = set("0123456789abcdef")


def cache_root(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/dockwise`, else `~/.cache/dockwise` (the XDG base-dir spec)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or ""
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "dockwise"


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    bytes: int


class _CappedDir:
    """Files under one directory, the least recently used removed beyond a byte cap."""

    pattern = "*"

    def __init__(self, directory: Path, cap: int) -> None:
        self.dir = directory
        self.cap = cap

    def stats(self) -> CacheStats:
        files = self._files()
        return CacheStats(len(files), sum(size for _, size, _ in files))

    def clean(self) -> CacheStats:
        """Remove every entry (and leftovers of interrupted writes); returns what was removed."""
        removed = self.stats()
        for path in self.dir.glob(self.pattern):
            path.unlink(missing_ok=True)
        return removed

    def _files(self) -> list[tuple[Path, int, float]]:
        """Finished entries only: a temporary file may be another run's write in progress."""
        found = []
        for path in self.dir.glob(self.pattern):
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.name.startswith(_TEMP):
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


class _KeyedDir(_CappedDir):
    """zstd-compressed entries under `<dir>/<key[:2]>/<key>`, written atomically."""

    pattern = "*/*"

    def _read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
            data = zstandard.ZstdDecompressor().decompress(raw, max_output_size=MAX_ENTRY)
        except (OSError, zstandard.ZstdError):
            return None  # a missing or damaged entry is just a miss
        os.utime(path)  # recently used: evicted last
        return data

    def _write(self, key: str, payload: bytes) -> None:
        data = zstandard.ZstdCompressor(level=3).compress(payload)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        self._evict()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key


class LayerCache(_KeyedDir):
    """Analyses of layers under `<root>/layers/`."""

    def __init__(self, root: Path, cap: int = DEFAULT_CAP) -> None:
        super().__init__(root / "layers", cap)

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out damaged: `load` decides)."""
        return self._path(key).is_file()

    def key(self, layer: LayerRef, selector: Selector) -> str | None:
        """None when the layer has no digest to trust (a directory source)."""
        digest = layer.diff_id or layer.digest
        if not digest:
            return None
        return hashlib.sha256(f"{FORMAT}\0{digest}\0{_fingerprint(selector)}".encode()).hexdigest()

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


class ImageCache(_KeyedDir):
    """Whole inventories of images scanned before, under `<root>/images/`: a re-scan of
    an unchanged image reads neither its layers nor their analyses."""

    def __init__(self, root: Path, cap: int = DEFAULT_IMAGE_CAP) -> None:
        super().__init__(root / "images", cap)

    @staticmethod
    def key(config_digest: str, layer_keys: list[str | None]) -> str | None:
        """The key of a whole image's inventory: its config and every layer's analysis."""
        if not config_digest or not all(layer_keys):
            return None
        joined = "\0".join([f"{FORMAT}-inventory", config_digest, *map(str, layer_keys)])
        return hashlib.sha256(joined.encode()).hexdigest()

    def load_result(self, key: str) -> ScanResult | None:
        """An inventory stored by `store_result` (the native JSON, file lists included)."""
        from dockwise.model_json import from_json

        data = self._read(key)
        try:
            return None if data is None else from_json(json.loads(data), "cached")
        except (ValueError, DockwiseError):
            return None

    def store_result(self, key: str, result: ScanResult) -> None:
        """The documented native JSON is the format: no second serialisation to keep."""
        from dockwise.model_json import dumps, to_json

        self._write(key, dumps(to_json(result, include_files=True)).encode())


class BlobCache(_CappedDir):
    """Layer blobs as stored in the registry, under `<root>/blobs/sha256/<hex>`."""

    def __init__(self, root: Path, cap: int = DEFAULT_BLOB_CAP) -> None:
        super().__init__(root / "blobs" / "sha256", cap)

    def find(self, digest: str) -> Path | None:
        """The blob's file when it is kept, marked as recently used."""
        path = self.path(digest)
        try:
            os.utime(path)
        except OSError:
            return None
        return path

    def fits(self, size: int) -> bool:
        """Whether a blob of SIZE bytes should be kept at all (see the module docstring)."""
        return 0 <= size <= self.cap // BLOB_SHARE

    def path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        if algorithm != "sha256" or len(hexdigest) != 64 or set(hexdigest) - _HEX:
            raise SourceError(f"blob {digest}: not a sha256 digest")
        return self.dir / hexdigest

    def store(self, digest: str, size: int, reader: BinaryIO) -> Path:
        """Copy READER to the blob's file; SourceError (and nothing kept) on a bad digest."""
        with self.writer(digest, size) as sink:
            while data := reader.read(COPY_CHUNK):
                sink.write(data)
        return self.path(digest)

    def writer(self, digest: str, size: int) -> BlobWriter:
        self.dir.mkdir(parents=True, exist_ok=True)
        return BlobWriter(self, digest, size)

    def remove(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def commit(self, temp: Path, digest: str) -> None:
        """Publish a verified temporary file under its digest, then keep the cap."""
        os.replace(temp, self.path(digest))
        self._evict()


class BlobWriter:
    """A blob being written: hashed as it goes, renamed to its digest only if it matches.

    As a context manager it raises SourceError on a short or wrong blob; `close(ok)` is
    for a caller that judges the outcome itself (a tee that may stop early).
    """

    def __init__(self, cache: BlobCache, digest: str, size: int) -> None:
        self._cache = cache
        self.digest = digest
        self.size = size
        fd, name = tempfile.mkstemp(dir=cache.dir, prefix=_TEMP)
        self._temp = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.count = 0

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self._file.write(data)
        self.count += len(data)

    def problem(self) -> str:
        """Why the bytes written are not the blob, or "" when they are."""
        if self.size >= 0 and self.count != self.size:
            return f"truncated ({self.count} of {self.size} bytes)"
        actual = "sha256:" + self._hash.hexdigest()
        return "" if actual == self.digest else f"digest mismatch (got {actual})"

    def close(self, ok: bool = True) -> bool:
        """Keep the blob if OK and verified; returns whether it was kept."""
        if self._file.closed:
            return False
        self._file.close()
        if ok and not self.problem():
            self._cache.commit(self._temp, self.digest)
            return True
        self._temp.unlink(missing_ok=True)
        return False

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        problem = "" if kind is not None else self.problem()
        self.close(ok=kind is None and not problem)
        if problem:
            raise SourceError(f"blob {self.digest}: {problem}")


def _fingerprint(selector: Selector) -> str:
    """What decides an analysis' content: dockwise's code and the selector's requests."""
    return hashlib.sha256(
        json.dumps([__version__, _code_stamp(), selector.fingerprint()], sort_keys=True).encode()
    ).hexdigest()


_CODE_STAMP: list[str] = []


def _code_stamp() -> str:
    """Sizes and mtimes of dockwise's own files (code and rule data alike): an edited
    checkout or a changed rule invalidates entries."""
    if not _CODE_STAMP:
        package = Path(__file__).parent
        stamp = hashlib.sha256()
        files = (p for p in package.rglob("*") if p.is_file() and p.suffix != ".pyc")
        for path in sorted(files):
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
        "uncompressed_size": analysis.layer.uncompressed_size,
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
    return measured(analysis, header["uncompressed_size"])
