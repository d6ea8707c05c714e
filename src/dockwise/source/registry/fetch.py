"""Registry layers, and fetching their blobs ahead of the analysis.

A cold registry scan has two slow parts, the network and the layer pass (inflate, tar
walk, hashing), and `LayerFetcher` overlaps them: while layer N is analysed, up to
PREFETCH of the next layers that no cache holds are downloaded, each to a file in the
blob cache (or, with `--no-cache` or for a blob too big to keep, to this run's scratch
directory, deleted as soon as the layer has been read). Memory stays bounded: downloads
go to disk in COPY_CHUNK pieces, and at most PREFETCH fetched-but-unread blobs wait on
disk. The layer being analysed when nothing was fetched for it streams from the network
straight into the one-pass reader, through a tee that keeps it in the blob cache.

Every blob is still verified by the layer reader (digest and diff_id), wherever it came
from; a kept blob that fails is removed and fetched again.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dockwise.errors import SourceError
from dockwise.model import LayerRef
from dockwise.source.base import BlobLayer, Layer
from dockwise.source.blob import Blob
from dockwise.source.blobcache import COPY_CHUNK, BlobCache, BlobWriter
from dockwise.source.filetree import LayerAnalysis
from dockwise.source.selector import Selector

PREFETCH = 3  # blobs downloaded ahead at once, and at most waiting on disk unread
_UNLIMITED = 1 << 62


@dataclass(frozen=True, slots=True)
class RegistryLayer:
    """A layer whose blob is in a registry: worth fetching ahead and keeping."""

    ref: LayerRef
    blob: Blob

    def analyze(self, selector: Selector) -> LayerAnalysis:
        return BlobLayer(self.ref, self.blob).analyze(selector)

    def reading(self, file: BinaryIO) -> BlobLayer:
        """This layer read from a local copy of its blob (opened once, by the caller)."""
        return BlobLayer(self.ref, dataclasses.replace(self.blob, open=lambda: file))

    def teed(self, blobs: BlobCache) -> BlobLayer:
        """This layer streamed from the registry, keeping the bytes in BLOBS on the way."""
        blob = self.blob
        opened = lambda: _Tee(blob.open(), blobs.writer(blob.digest, blob.size))  # noqa: E731
        return BlobLayer(self.ref, dataclasses.replace(blob, open=opened))


class LayerFetcher:
    """Analyses layers on request, with the next missing registry blobs fetched ahead."""

    def __init__(
        self, layers: Sequence[Layer], wanted: Sequence[int], blobs: BlobCache | None
    ) -> None:
        self._layers = layers
        self._blobs = blobs
        # the layers this run will read, in order; only registry blobs are fetched ahead
        self._queue = deque(i for i in sorted(wanted) if isinstance(layers[i], RegistryLayer))
        self._futures: dict[int, Future[Path]] = {}
        self._pool = ThreadPoolExecutor(PREFETCH, thread_name_prefix="dockwise-fetch")
        self._stop = threading.Event()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.Lock()

    def analyze(self, index: int, selector: Selector) -> LayerAnalysis:
        """Layer INDEX's analysis, from a fetched or kept blob if there is one."""
        layer = self._layers[index]
        if not isinstance(layer, RegistryLayer):
            return layer.analyze(selector)
        self._ahead(index)
        fetched = self._fetched(index)
        if fetched is not None:
            return layer.reading(fetched).analyze(selector)
        kept = self._kept(layer)
        if kept is not None:
            try:
                return layer.reading(kept).analyze(selector)
            except SourceError:
                self._blobs.remove(layer.blob.digest)  # type: ignore[union-attr] # damaged
        if self._blobs is not None and self._blobs.fits(layer.blob.size):
            return layer.teed(self._blobs).analyze(selector)
        return layer.analyze(selector)

    def close(self) -> None:
        """Stop downloads in progress (within one chunk) and drop the scratch directory."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._scratch is not None:
            self._scratch.cleanup()

    def __enter__(self) -> LayerFetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _ahead(self, index: int) -> None:
        """Start downloads for the next wanted layers after INDEX, PREFETCH at most."""
        while self._queue and len(self._futures) < PREFETCH:
            later = self._queue.popleft()
            layer = self._layers[later]
            if later <= index or self._in_cache(layer):
                continue  # INDEX itself streams; a kept blob needs no download
            self._futures[later] = self._pool.submit(self._download, layer)

    def _in_cache(self, layer: RegistryLayer) -> bool:
        return self._blobs is not None and self._blobs.path(layer.blob.digest).is_file()

    def _fetched(self, index: int) -> BinaryIO | None:
        """The downloaded blob, opened; None when nothing was fetched or the disk failed.

        A download's SourceError (network, digest) is raised here, in the reading thread.
        """
        future = self._futures.pop(index, None)
        if future is None:
            return None
        try:
            path = future.result()
        except OSError:
            return None  # the disk, not the blob: stream it instead
        file = _open(path)
        if self._scratch is not None and path.is_relative_to(self._scratch.name):
            path.unlink(missing_ok=True)  # the open file stays readable
        return file

    def _kept(self, layer: RegistryLayer) -> BinaryIO | None:
        if self._blobs is None:
            return None
        path = self._blobs.find(layer.blob.digest)
        return _open(path) if path is not None else None

    def _download(self, layer: RegistryLayer) -> Path:
        blob = layer.blob
        target = self._target(blob.size)
        with blob.open() as reader, target.writer(blob.digest, blob.size) as sink:
            while data := reader.read(COPY_CHUNK):
                if self._stop.is_set():
                    raise SourceError(f"blob {blob.digest}: download stopped")
                sink.write(data)
        return target.path(blob.digest)

    def _target(self, size: int) -> BlobCache:
        """The blob cache when the blob is worth keeping, else this run's scratch space."""
        if self._blobs is not None and self._blobs.fits(size):
            return self._blobs
        with self._lock:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="dockwise-blobs-")
        return BlobCache(Path(self._scratch.name), _UNLIMITED)


class _Tee(io.RawIOBase):
    """A blob reader that also writes what passes into the blob cache.

    The writer keeps the blob only if every byte went by and the digest matched; a
    write error (a full disk) just stops the copy, never the scan.
    """

    def __init__(self, raw: BinaryIO, sink: BlobWriter) -> None:
        self._raw = raw
        self._sink: BlobWriter | None = sink

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - the io protocol's buffer
        data = self._raw.read(len(buffer))
        if self._sink is not None and data:
            try:
                self._sink.write(data)
            except OSError:
                self._sink.close(ok=False)
                self._sink = None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self._sink is not None:
            try:
                self._sink.close()
            except OSError:
                pass  # not kept; the scan itself is unaffected
            self._sink = None
        self._raw.close()
        super().close()


def _open(path: Path) -> BinaryIO | None:
    """Open now, so that a later eviction (an unlink) cannot take the file away."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the layer reader closes it
    except OSError:
        return None
