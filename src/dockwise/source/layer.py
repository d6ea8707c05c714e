"""Read one layer blob in a single streaming pass: verify, decompress, analyse.

Compression is recognised by magic bytes (media types and file names lie), the
stored bytes and the tar stream are hashed as they pass, and nothing is written
to disk. Inflating is bounded by absolute bytes and time per layer, never by ratio:
real layers with zero-filled or sparse files (a `lastlog` grown by a large UID) compress
beyond 1000:1. Memory stays bounded regardless, since only wanted files under their
size caps are kept and the rest streams past.
"""

from __future__ import annotations

import bz2
import dataclasses
import hashlib
import lzma
import os
import posixpath
import queue
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import zstandard
from isal import isal_zlib

from dockwise.errors import SourceError
from dockwise.humanize import human_size
from dockwise.model import LayerRef, ScanWarning
from dockwise.source.blob import Blob
from dockwise.source.capability import decode as decode_capability
from dockwise.source.filetree import Entry, LayerAnalysis, normalize
from dockwise.source.selector import Selector
from dockwise.source.tarstream import CHUNK, TarEntry, iter_tar

MAX_LAYER_BYTES = 64 << 30  # inflated per layer; far above any real layer, below any disk
MAX_LAYER_SECONDS = 3600  # per layer, a last resort against a stream that trickles forever
UNREAD_NAMED = 3  # files named in the warning that counts what an analyzer left unread
BYTES_VARIABLE = "DOCKWISE_MAX_LAYER_BYTES"
SECONDS_VARIABLE = "DOCKWISE_MAX_LAYER_SECONDS"
clock = time.monotonic  # the time limit's clock; a test swaps in a fast one
ZSTD_MAX_WINDOW = 1 << 27  # zstd's own default limit for untrusted frames
# Inflated bytes per hand-over to the parsing thread, and stored bytes per refill of the
# gzip reader: each one waits for the GIL while the main thread parses, so fewer, larger
# ones (1 MiB hand-overs and IGzipFile's 512 KiB refills: debian-min 0.05-0.08 s slower)
INFLATE_CHUNK = 2 << 20


@dataclass(frozen=True, slots=True)
class InflateLimits:
    """How far one layer may inflate before it is refused as a decompression bomb."""

    max_bytes: int = MAX_LAYER_BYTES
    max_seconds: int = MAX_LAYER_SECONDS

    @classmethod
    def from_environ(cls, environ: os._Environ[str] | dict[str, str] | None = None
                     ) -> InflateLimits:
        """The defaults, or the environment's whole numbers; a bad value is a SourceError."""
        env = os.environ if environ is None else environ
        return cls(_positive(env, BYTES_VARIABLE, MAX_LAYER_BYTES),
                   _positive(env, SECONDS_VARIABLE, MAX_LAYER_SECONDS))


def _positive(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise SourceError(f"{name}={raw!r}: expected a whole number above 0")
    return int(raw)


class _Counting:
    """A reader that hashes (in the hasher's thread) and counts what passes through,
    within a size limit."""

    def __init__(self, raw: BinaryIO, limit: int, hasher: _Hasher) -> None:
        self._raw = raw
        self._left = limit if limit >= 0 else 1 << 62
        self._prefix = b""
        self._hasher = hasher
        self.count = 0

    def peek(self, n: int) -> bytes:
        if len(self._prefix) < n:
            more = self._raw.read(min(n - len(self._prefix), self._left))
            self._left -= len(more)
            self._prefix += more
        return self._prefix[:n]

    def read(self, n: int = -1) -> bytes:
        n = CHUNK if n is None or n < 0 else n
        data, self._prefix = self._prefix[:n], self._prefix[n:]
        if len(data) < n and self._left > 0:
            more = self._raw.read(min(n - len(data), self._left))
            self._left -= len(more)
            data += more
        if data:
            self._hasher.feed(data)
        self.count += len(data)
        return data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - the io protocol's buffer
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def analyze_blob(blob: Blob, layer: LayerRef, selector: Selector) -> LayerAnalysis:
    """One pass over a layer: entries, wanted contents, whiteouts and both digests."""
    limits = InflateLimits.from_environ()
    stored_hash = _Hasher()
    try:
        with blob.open() as raw:
            stored = _Counting(raw, blob.size, stored_hash)
            analysis, tar = _read_tar(blob, layer, selector, stored, limits)
    finally:
        stored_hash.feed(b"")  # nothing reads the blob any more: end the hasher's thread
    count_unread(analysis)
    if blob.size >= 0 and stored.count != blob.size:
        raise SourceError(f"blob {blob.name}: truncated ({stored.count} of {blob.size} bytes)")
    _verify(blob.name, "digest", blob.digest, stored_hash.result())
    tar_digest = tar.hash if tar.hash is not None else stored_hash.result()
    _verify(blob.name, "diff_id", blob.diff_id, tar_digest)
    return measured(analysis, tar.count if tar.hash is not None else stored.count)


def _read_tar(blob: Blob, layer: LayerRef, selector: Selector, stored: _Counting,
              limits: InflateLimits) -> tuple[LayerAnalysis, _Prefetch]:
    """The layer's analysis, and the stream it was read from, which hashed the tar unless
    the tar was stored plain (its stored digest is then its diff_id, hashed once)."""
    kind = _compression(stored.peek(6))
    reader = _decompressor(stored, kind)
    checked = _checked_reader(stored if reader is None else reader, kind, blob.name, limits)
    prefetch = _Prefetch(checked, hashing=reader is not None)
    analysis = LayerAnalysis(layer)
    try:
        for entry in iter_tar(prefetch.read, selector, analysis.entries):
            add_entry(analysis, entry, selector)
    except SourceError as exc:
        message = str(exc)
        raise SourceError(
            message if "layer " in message else f"layer {blob.name}: {message}"
        ) from None
    finally:
        prefetch.close()
        if reader is not None:
            reader.close()
    return analysis, prefetch


def measured(analysis: LayerAnalysis, tar_size: int) -> LayerAnalysis:
    """The analysis with the tar's size on its layer, and on every reference to the layer
    it holds, so that the image's layers and its packages' layers stay the same value."""
    layer = dataclasses.replace(analysis.layer, uncompressed_size=tar_size)
    analysis.layer = layer
    analysis.warnings = [dataclasses.replace(w, layer=layer) for w in analysis.warnings]
    return analysis


class _Prefetch:
    """Reads and inflates in a worker thread while the caller parses tar headers.

    isal, zstandard and hashlib release the GIL, so on two cores the parse runs beside
    the decompression instead of after it. The tar's digest is taken here, on the
    parsing thread as each chunk is handed over: hashlib lets the inflating thread run
    meanwhile, and a hashing thread of its own cost a hand-off per chunk (debian-big 0.2 s
    slower, debian-node 0.08 s). At most QUEUED chunks wait in memory.
    """

    QUEUED = 4  # of INFLATE_CHUNK: 8 MiB in flight, as before with 8 x 1 MiB

    def __init__(self, read: Callable[[int], bytes], hashing: bool) -> None:
        self.hash = hashlib.sha256() if hashing else None  # the tar's, once read to its end
        self.count = 0  # bytes handed over: the tar's size
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(self.QUEUED)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(read,), daemon=True)
        self._thread.start()

    def read(self, n: int = -1) -> bytes:
        if self._done:
            return b""
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        self._done = not item
        if self.hash is not None:
            self.hash.update(item)
        self.count += len(item)
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self, read: Callable[[int], bytes]) -> None:
        try:
            while not self._stop.is_set():
                data = read(INFLATE_CHUNK)
                self._put(data)
                if not data:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue


class _Hasher:
    """sha256 in its own thread, so hashing the stored bytes overlaps inflating them."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._queue: queue.Queue[bytes] = queue.Queue(_Prefetch.QUEUED)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def feed(self, data: bytes) -> None:
        """Queue a chunk; an empty chunk ends the stream."""
        if self._thread.is_alive():
            self._queue.put(data)

    def result(self):  # noqa: ANN201 - a hashlib hash object
        self._thread.join()
        return self._hash

    def _run(self) -> None:
        while data := self._queue.get():
            self._hash.update(data)


def _compression(magic: bytes) -> str:
    if magic.startswith(b"\x1f\x8b"):
        return "gzip"
    if magic.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if magic.startswith(b"BZh"):
        return "bzip2"
    if magic.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return "none"


def _decompressor(stored: _Counting, kind: str) -> BinaryIO | None:
    """A decompressing reader; None for a plain tar."""
    if kind == "gzip":
        # the C reader IGzipFile wraps (members, CRC and size checks), without the
        # BufferedReader and with larger refills (INFLATE_CHUNK)
        return isal_zlib._GzipReader(stored, INFLATE_CHUNK)
    if kind == "zstd":
        dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        return dctx.stream_reader(stored, read_across_frames=True, closefd=False)
    if kind == "bzip2":
        return bz2.BZ2File(stored)
    if kind == "xz":
        return lzma.LZMAFile(stored)
    return None


def _checked_reader(
    reader: BinaryIO | _Counting, kind: str, name: str, limits: InflateLimits
) -> Callable[[int], bytes]:
    """A `read(n)` over the tar stream that turns codec errors into SourceError and
    stops decompression bombs at the absolute limits (a plain tar cannot inflate)."""
    if isinstance(reader, _Counting):
        return reader.read
    inflated = 0
    deadline = clock() + limits.max_seconds

    def read(n: int) -> bytes:
        nonlocal inflated
        try:
            data = reader.read(n)
        except (OSError, EOFError, ValueError, zlib.error, isal_zlib.error, lzma.LZMAError,
                zstandard.ZstdError) as exc:  # fmt: skip
            raise SourceError(f"layer {name}: corrupt {kind} stream ({exc})") from None
        inflated += len(data)
        if inflated > limits.max_bytes:
            raise SourceError(f"layer {name}: {kind} stream inflates past {limits.max_bytes:,} "
                              f"bytes (a decompression bomb? {BYTES_VARIABLE} raises the limit)")
        if clock() > deadline:
            raise SourceError(f"layer {name}: {kind} stream still inflating after "
                              f"{limits.max_seconds:,} s ({SECONDS_VARIABLE} raises the limit)")
        return data

    return read


def _verify(name: str, what: str, expected: str, actual) -> None:  # noqa: ANN001 - a hashlib hash
    if not expected:
        return
    got = "sha256:" + actual.hexdigest()
    if not expected.startswith("sha256:"):
        raise SourceError(f"blob {name}: unsupported digest algorithm in {expected!r}")
    if got != expected:
        raise SourceError(f"blob {name}: {what} mismatch (expected {expected}, got {got})")


def add_entry(analysis: LayerAnalysis, entry: TarEntry, selector: Selector) -> None:
    """Record one member: whiteout, hard link, or entry with its kept content or facts."""
    path = normalize(entry.name)
    if path is None:
        analysis.warnings.append(
            _warn(analysis, entry.name, "entry climbs out of the root; ignored")
        )
        return
    if not path:
        return
    base = path.rpartition("/")[2]
    if base.startswith(".wh."):
        _add_whiteout(analysis, path, base)
        return
    if entry.is_hardlink:
        _add_hardlink(analysis, path, entry, selector)
        return
    link = entry.linkname if entry.typeflag == b"2" else ""
    if path in analysis.entries:  # the same path again in one layer: the last one wins
        _forget(analysis, path)
    analysis.entries[path] = Entry.shared(entry.mode, entry.size, link, entry.uid, entry.gid)
    if entry.analyzers or entry.content is not None or entry.over_cap or entry.unread \
            or entry.capability:
        _add_content(analysis, path, entry, selector)


def _add_content(analysis: LayerAnalysis, path: str, entry: TarEntry, selector: Selector) -> None:
    """What a member brings besides its metadata: kept content, analyzers' facts, the
    warnings of files left unread, its file capabilities."""
    if entry.analyzers:
        _run_analyzers(analysis, path, entry)
    if entry.keep and entry.content is not None:
        analysis.contents[path] = entry.content
    elif entry.over_cap:
        analysis.warnings.append(
            _warn(analysis, path, f"not read: {entry.size} bytes is over the size cap")
        )
    if entry.unread:
        _note_unread(analysis, path, entry, selector)
    if entry.capability:
        analysis.facts.setdefault(path, {})["capability"] = decode_capability(entry.capability)


def _forget(analysis: LayerAnalysis, path: str) -> None:
    analysis.contents.pop(path, None)
    analysis.facts.pop(path, None)
    analysis.unread.pop(path, None)


def _note_unread(analysis: LayerAnalysis, path: str, entry: TarEntry, selector: Selector) -> None:
    """A file claimed over an analyzer's cap: a warning of its own when no analyzer read it
    (as for catalogers), and counted per layer for the every-file analyzers."""
    counted = tuple((a.name, a.max_size) for a in entry.unread if a in selector.every_file)
    if not entry.analyzers and len(counted) < len(entry.unread):
        analysis.warnings.append(
            _warn(analysis, path, f"not read: {entry.size} bytes is over the size cap")
        )
    if counted:
        analysis.unread[path] = (entry.size, counted)


def count_unread(analysis: LayerAnalysis) -> None:
    """One warning per analyzer and layer that counts the files it claimed but left
    unread, over its size cap: a layer of big text files would otherwise flood the
    report, and the report must not read as if every file had been checked."""
    by_analyzer: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for path, (size, claimants) in analysis.unread.items():
        for claimant in claimants:
            by_analyzer.setdefault(claimant, []).append((size, path))
    for (name, cap), files in sorted(by_analyzer.items()):
        files.sort(reverse=True)
        named = ", ".join(f"{p} ({human_size(s)})" for s, p in files[:UNREAD_NAMED])
        more = f" and {len(files) - UNREAD_NAMED} more" if len(files) > UNREAD_NAMED else ""
        analysis.warnings.append(ScanWarning(
            f"{name}: {len(files)} file(s) over the {human_size(cap)} cap not read: {named}{more}",
            layer=analysis.layer,
        ))  # fmt: skip
    analysis.unread.clear()


def _run_analyzers(analysis: LayerAnalysis, path: str, entry: TarEntry) -> None:
    """Keep each claiming analyzer's facts; the content itself is dropped here."""
    facts = {}
    for analyzer in entry.analyzers:
        try:
            found = analyzer.analyze(path, entry.content or b"")
        except Exception as exc:  # noqa: BLE001 - one odd binary must not stop the scan
            analysis.warnings.append(
                _warn(analysis, path, f"{analyzer.name}: cannot analyze ({exc})")
            )
            continue
        if found is not None:
            facts[analyzer.name] = found
    if facts:
        analysis.facts[path] = facts


def _add_whiteout(analysis: LayerAnalysis, path: str, base: str) -> None:
    parent = posixpath.dirname(path)
    if base == ".wh..wh..opq":
        analysis.opaque_dirs.add(parent)
        return
    target = normalize(posixpath.join(parent, base[len(".wh.") :]))
    if not target or target == parent:
        analysis.warnings.append(
            _warn(analysis, path, "whiteout aims outside its directory; ignored")
        )
        return
    analysis.whiteouts.add(target)


def _add_hardlink(analysis: LayerAnalysis, path: str, entry: TarEntry, selector: Selector) -> None:
    """Copy the target's entry, kept content and facts; a target in a lower layer is
    left to the merge (`LayerAnalysis.hardlinks`), which sees every layer."""
    target = normalize(entry.linkname)
    if not target:
        analysis.warnings.append(_warn(analysis, path, "hard link out of the root; ignored"))
        return
    source = analysis.entries.get(target)
    if source is None:
        analysis.hardlinks[path] = target
        return
    analysis.entries[path] = Entry.shared(source.mode, source.size, "", entry.uid, entry.gid)
    content = analysis.contents.get(target)
    if content is not None and len(content) <= selector.wanted(path):
        analysis.contents[path] = content
    if target in analysis.facts:
        analysis.facts[path] = analysis.facts[target]


def _warn(analysis: LayerAnalysis, path: str, message: str) -> ScanWarning:
    return ScanWarning(message, path, analysis.layer)
