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


_WARNED: set[Path] = set()  # cache directories already warned of in this process


def _unwritable(directory: Path, exc: OSError) -> None:
    if directory not in _WARNED:
        _WARNED.add(directory)
        reason = exc.strerror or str(exc)
        import logging  # 3 ms of imports that a writable cache never needs

        logging.getLogger("dockwise.cache").warning(
            "dockwise: warning: cache not written under %s: %s", directory, reason
        )


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

    def writable(self) -> bool:
        """Whether entries can be written here; when not, a warning (once) says so and the
        run goes on without this cache."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=TEMP_PREFIX)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            _unwritable(self.dir, exc)
            return False
        return True

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
        a layer of a million entries is never held whole; if it raises, nothing is kept.
        A cache that cannot be written (read-only, full, not a directory) is warned of
        once and skipped: the run itself does not need it."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        except OSError as exc:
            _unwritable(self.dir, exc)
            return
        try:
            with os.fdopen(fd, "wb") as f, zstandard.ZstdCompressor(level=3).stream_writer(
                f, closefd=False
            ) as z:
                for chunk in [payload] if isinstance(payload, bytes) else payload:
                    z.write(chunk)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            _unwritable(self.dir, exc)
            return
        except BaseException:
            os.unlink(tmp)
            raise
        self._evict()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key
