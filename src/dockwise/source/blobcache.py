"""Registry layer blobs, kept exactly as downloaded under `<root>/blobs/sha256/<hex>`
(the OCI layout's own naming).

They only matter when an analysis is missing although the layer was seen before: after
a dockwise upgrade, or when other catalogers are selected. So they have their own,
smaller cap than the analyses: a shared cap would let one large image's blobs (hundreds
of MB) evict thousands of analyses (tens of KB each), which are what makes re-scans
cheap. A blob over a quarter of the blob cap is not kept at all, so that one huge layer
cannot empty the cache. A blob is written under a temporary name while it streams,
hashed, and renamed to its digest only when the digest matches, so a reader never sees
a partial or wrong blob; two runs fetching the same blob both rename identical bytes,
which is safe.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from dockwise.cache.store import TEMP_PREFIX, CappedDir
from dockwise.errors import SourceError

DEFAULT_BLOB_CAP = 1 << 30  # bytes of layer blobs; smaller than the analyses' (see above)
BLOB_SHARE = 4  # a blob over cap / BLOB_SHARE is never kept
COPY_CHUNK = 1 << 20
_HEX = set("0123456789abcdef")


class BlobCache(CappedDir):
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
        fd, name = tempfile.mkstemp(dir=cache.dir, prefix=TEMP_PREFIX)
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
