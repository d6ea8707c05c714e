"""`dir:PATH`: an unpacked root filesystem, read as a single layer.

Walks with lstat and opens files with O_NOFOLLOW, so a symlink in the tree is
recorded as a link of the image and never followed on the host.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dockwise.errors import SourceError
from dockwise.model import ImageInfo, LayerRef, ScanWarning
from dockwise.source.base import Image
from dockwise.source.filetree import LayerAnalysis
from dockwise.source.layer import add_entry, count_unread
from dockwise.source.selector import Selector
from dockwise.source.tarstream import Buffered, TarEntry, read_member

SCHEME = "dir"


class DirLayer:
    """The whole directory as layer 0."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ref = LayerRef(0, "", created_by=f"directory {root}")

    def analyze(self, selector: Selector) -> LayerAnalysis:
        analysis = LayerAnalysis(self.ref)
        stack = [("", self.root)]
        while stack:
            rel_dir, directory = stack.pop()
            try:
                children = list(os.scandir(directory))
            except OSError as exc:
                analysis.warnings.append(
                    ScanWarning(f"cannot list ({exc.strerror})", rel_dir, self.ref)
                )
                continue
            for child in children:
                rel = f"{rel_dir}/{child.name}" if rel_dir else child.name
                if self._add(analysis, rel, child, selector):
                    stack.append((rel, Path(child.path)))
        count_unread(analysis)
        return analysis

    def _add(
        self, analysis: LayerAnalysis, rel: str, child: os.DirEntry, selector: Selector
    ) -> bool:
        """Record one entry as the tar reader would; True for a directory to descend into."""
        try:
            st = child.stat(follow_symlinks=False)
        except OSError:
            return False
        regular = stat.S_ISREG(st.st_mode)
        entry = TarEntry(
            name=rel,
            typeflag=b"0" if regular else b"2" if stat.S_ISLNK(st.st_mode) else b"5",
            mode=st.st_mode,
            size=st.st_size if regular else 0,
            linkname=os.readlink(child.path) if stat.S_ISLNK(st.st_mode) else "",
            uid=st.st_uid,
            gid=st.st_gid,
        )
        if regular:
            self._read(analysis, entry, child.path, selector)
        add_entry(analysis, entry, selector)
        return stat.S_ISDIR(st.st_mode)

    def _read(
        self, analysis: LayerAnalysis, entry: TarEntry, path: str, selector: Selector
    ) -> None:
        """The tar reader's selection, over a file opened only if something wants it."""
        with _LazyFile(path) as lazy:
            try:
                read_member(Buffered(lazy.read), entry, entry.size, selector)
            except (OSError, SourceError) as exc:
                entry.content, entry.analyzers = None, ()
                analysis.warnings.append(ScanWarning(f"cannot read ({exc})", entry.name, self.ref))


class _LazyFile:
    """Opens on first read, never through a symlink, never blocking on a FIFO."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._file = None

    def read(self, n: int) -> bytes:
        if self._file is None:
            fd = os.open(self._path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            self._file = os.fdopen(fd, "rb")
        return self._file.read(n)

    def __enter__(self) -> _LazyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def open_dir(path: Path, source: str) -> Image:
    if not path.is_dir():
        raise SourceError(f"{path}: not a directory")
    layer = DirLayer(path)
    return Image(ImageInfo(source=source, scheme=SCHEME, layers=(layer.ref,)), [layer])
