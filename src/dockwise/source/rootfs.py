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
from dockwise.source.filetree import Entry, LayerAnalysis
from dockwise.source.layer import Wanted

SCHEME = "dir"


class DirLayer:
    """The whole directory as layer 0."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ref = LayerRef(0, "", created_by=f"directory {root}")

    def analyze(self, wanted: Wanted) -> LayerAnalysis:
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
                if self._add(analysis, rel, child, wanted):
                    stack.append((rel, Path(child.path)))
        return analysis

    def _add(self, analysis: LayerAnalysis, rel: str, child: os.DirEntry, wanted: Wanted) -> bool:
        """Record one entry; True when it is a directory to descend into."""
        try:
            st = child.stat(follow_symlinks=False)
        except OSError:
            return False
        link = os.readlink(child.path) if stat.S_ISLNK(st.st_mode) else ""
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        analysis.entries[rel] = Entry(st.st_mode, size, link, st.st_uid, st.st_gid)
        if stat.S_ISREG(st.st_mode):
            cap = wanted(rel)
            if cap and size <= cap:
                self._read(analysis, rel, child.path)
            elif cap:
                analysis.warnings.append(
                    ScanWarning(f"not read: {size} bytes is over the size cap", rel, self.ref)
                )
        return stat.S_ISDIR(st.st_mode)

    def _read(self, analysis: LayerAnalysis, rel: str, path: str) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as f:
                analysis.contents[rel] = f.read()
        except OSError as exc:
            analysis.warnings.append(ScanWarning(f"cannot read ({exc.strerror})", rel, self.ref))


def open_dir(path: Path, source: str) -> Image:
    if not path.is_dir():
        raise SourceError(f"{path}: not a directory")
    layer = DirLayer(path)
    return Image(ImageInfo(source=source, scheme=SCHEME, layers=(layer.ref,)), [layer])
