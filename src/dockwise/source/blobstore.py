"""Where an image's files live: inside an outer tar, or in a directory.

Both give the same two operations: read a small JSON document, and open a large
blob as a stream without copying it.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from dockwise.errors import SourceError
from dockwise.source.paths import normalize

MAX_MEMBERS = 100_000  # an image archive holds a few files per layer, not millions
MAX_JSON = 16 << 20  # manifests and configs are kilobytes; refuse absurd ones
MAX_LINK_HOPS = 16


class BlobStore(Protocol):
    """Named files of an image layout (`manifest.json`, `blobs/sha256/<hex>`, ...)."""

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> BinaryIO: ...


def read_small(store: BlobStore, name: str) -> bytes:
    """A whole (small) file; refusing huge ones keeps hostile manifests harmless."""
    if not store.exists(name):
        raise SourceError(f"{name}: missing from the image")
    size = store.size(name)
    if size > MAX_JSON:
        raise SourceError(f"{name}: {size} bytes is too large for image metadata")
    with store.open(name) as f:
        return f.read(MAX_JSON + 1)


class _Slice(io.RawIOBase):
    """A read-only window [offset, offset+size) of a file, without copying it."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._file.seek(offset)
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 - the io protocol's buffer
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:n])
        self._left -= got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(frozen=True, slots=True)
class _Member:
    offset: int
    size: int
    link: str = ""  # for symlinks and hard links inside the archive


class TarStore:
    """Members of an uncompressed outer tar (docker save, oci-archive), by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._members = _index(path)

    def exists(self, name: str) -> bool:
        return self._resolve(name) is not None

    def size(self, name: str) -> int:
        member = self._resolve(name)
        if member is None:
            raise SourceError(f"{name}: missing from the archive")
        return member.size

    def open(self, name: str) -> BinaryIO:
        member = self._resolve(name)
        if member is None:
            raise SourceError(f"{name}: missing from the archive")
        return io.BufferedReader(_Slice(self.path, member.offset, member.size), 1 << 20)

    def _resolve(self, name: str) -> _Member | None:
        """Follow links between members (docker save links repeated layers)."""
        key = normalize(name) or ""
        for _ in range(MAX_LINK_HOPS):
            member = self._members.get(key)
            if member is None or not member.link:
                return member
            key = member.link
        raise SourceError(f"{name}: link loop inside the archive")


def _index(path: Path) -> dict[str, _Member]:
    members: dict[str, _Member] = {}
    try:
        with tarfile.open(path, "r:") as archive:
            for count, info in enumerate(iter(archive.next, None)):
                if count >= MAX_MEMBERS:
                    raise SourceError(f"{path}: more than {MAX_MEMBERS} files in an image archive")
                _add_member(members, info)
    except (tarfile.TarError, EOFError) as exc:
        raise SourceError(f"{path}: not a readable tar archive ({exc})") from None
    return members


def _add_member(members: dict[str, _Member], info: tarfile.TarInfo) -> None:
    name = normalize(info.name)
    if not name:
        return
    if info.issym():
        target = normalize(os.path.join(os.path.dirname(name), info.linkname))
        members[name] = _Member(0, 0, target or "")
    elif info.islnk():
        members[name] = _Member(0, 0, normalize(info.linkname) or "")
    elif info.isfile():
        members[name] = _Member(info.offset_data, info.size)


class DirStore:
    """Files of an OCI layout directory; never follows a link out of the directory."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def exists(self, name: str) -> bool:
        path = self._path(name)
        return path is not None and path.is_file()

    def size(self, name: str) -> int:
        path = self._path(name)
        if path is None:
            raise SourceError(f"{name}: missing from the layout")
        return path.stat().st_size

    def open(self, name: str) -> BinaryIO:
        path = self._path(name)
        if path is None or not path.is_file():
            raise SourceError(f"{name}: missing from the layout")
        return open(path, "rb")  # noqa: SIM115 - the caller closes it

    def _path(self, name: str) -> Path | None:
        rel = normalize(name)
        if not rel:
            return None
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise SourceError(f"{name}: points outside the image layout")
        try:
            mode = path.stat().st_mode
        except OSError:
            return None
        return path if stat.S_ISREG(mode) else None
