"""Directories of cache files under a byte cap, the least recently used removed first."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import zstandard

MAX_ENTRY = 256 << 20  # a single decoded entry larger than this is refused
TEMP_PREFIX = ".tmp-"  # a file being written; never counted, read or evicted


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    bytes: int


class CappedDir:
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
            if not path.name.startswith(TEMP_PREFIX):
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


class KeyedDir(CappedDir):
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

    def _write(self, key: str, payload: bytes | Iterable[bytes]) -> None:
        """Compress to a temporary file, then rename. An iterable payload is streamed, so
        a layer of a million entries is never held whole; if it raises, nothing is kept."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as f, zstandard.ZstdCompressor(level=3).stream_writer(
                f, closefd=False
            ) as z:
                for chunk in [payload] if isinstance(payload, bytes) else payload:
                    z.write(chunk)
        except BaseException:
            os.unlink(tmp)
            raise
        os.replace(tmp, path)
        self._evict()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key
