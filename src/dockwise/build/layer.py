"""Deterministic layer blobs: the same entries always give the same bytes and digests.

Entries are sorted by path (a hard link never precedes the file it names), owners are
numeric with no user names, mtimes are clamped to SOURCE_DATE_EPOCH, only extended
attributes survive among PAX records (no atime or ctime), and gzip carries no timestamp
or file name. One streaming pass writes the blob while hashing both the tar (the config's
`diff_id`) and the gzip stream (the manifest's digest).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import tarfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

GZIP_LEVEL = 6  # Go's and Docker's default, as tools/imagepack.py writes
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar entry and, for a regular file, how to open its content."""

    info: tarfile.TarInfo
    open: Callable[[], BinaryIO] | None = None

    @property
    def name(self) -> str:
        return self.info.name


@dataclass(frozen=True, slots=True)
class LayerBlob:
    """A written layer: the manifest names `digest`, the config lists `diff_id`."""

    path: Path
    digest: str
    diff_id: str
    size: int
    media_type: str = LAYER_MEDIA_TYPE


def normalized(info: tarfile.TarInfo, epoch: int) -> tarfile.TarInfo:
    """A copy of `info` with no host-specific or time-varying data left in it."""
    clean = tarfile.TarInfo(info.name.removeprefix("./").rstrip("/") or ".")
    for attribute in ("type", "mode", "uid", "gid", "size", "linkname", "devmajor", "devminor"):
        setattr(clean, attribute, getattr(info, attribute))
    clean.linkname = info.linkname.removeprefix("./") if info.islnk() else info.linkname
    clean.mtime = min(int(info.mtime), epoch)
    clean.uname = clean.gname = ""
    clean.pax_headers = {k: v for k, v in info.pax_headers.items() if k.startswith("SCHILY.xattr.")}
    return clean


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """Entries sorted by path; a hard link sorted before its target swaps roles with it,
    so every link names a file already written (tar extracts in order)."""
    result = sorted(entries, key=lambda e: e.name)
    position = {entry.name: i for i, entry in enumerate(result)}
    for index, entry in enumerate(result):
        if not entry.info.islnk():
            continue
        target_index = position.get(entry.info.linkname)
        if target_index is None or target_index < index:
            continue
        target = result[target_index]
        if target.info.islnk():  # already swapped for an earlier link: follow it
            result[index] = _as_link(entry, target.info.linkname)
            continue
        result[index] = Entry(_changed(target.info, name=entry.name), target.open)
        result[target_index] = _as_link(target, entry.name)
    return result


def _as_link(entry: Entry, target: str) -> Entry:
    return Entry(_changed(entry.info, type=tarfile.LNKTYPE, linkname=target, size=0))


def _changed(info: tarfile.TarInfo, **changes: object) -> tarfile.TarInfo:
    """A copy of `info` with `changes` (TarInfo.replace is missing before Python 3.11.4)."""
    changed = copy.deepcopy(info)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed


def write_layer(entries: Sequence[Entry], path: Path) -> LayerBlob:
    """Write `entries` (already normalized and ordered) as a gzip layer blob at `path`."""
    with path.open("wb") as out:
        stored = _HashingWriter(out)
        with gzip.GzipFile(filename="", mode="wb", fileobj=stored, compresslevel=GZIP_LEVEL,
                           mtime=0) as compressed:  # fmt: skip
            tar_stream = _HashingWriter(compressed)
            with tarfile.open(fileobj=tar_stream, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for entry in entries:
                    _add(tar, entry)
    return LayerBlob(path, stored.digest, tar_stream.digest, stored.size)


def _add(tar: tarfile.TarFile, entry: Entry) -> None:
    if entry.info.isreg() and entry.open is not None:
        with entry.open() as content:
            tar.addfile(entry.info, content)
    else:
        tar.addfile(entry.info)


class _HashingWriter(io.RawIOBase):
    """A write-only stream that hashes and counts what passes to `target`."""

    def __init__(self, target: BinaryIO) -> None:
        self._target, self._hash, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._hash.update(data)
        self.size += len(data)
        self._target.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()
