"""The cataloger interface: declare the paths you need, turn one file into packages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dockwise.model import Distro, LayerRef, Location, Package, ScanWarning

if TYPE_CHECKING:
    from dockwise.source.filetree import FileTree

DEFAULT_MAX_SIZE = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class File:
    """A file of the image as a cataloger sees it: metadata and, when wanted, content."""

    path: str  # no leading slash, normalised
    layer: LayerRef | None
    size: int = 0
    mode: int = 0o100644  # st_mode including the file type bits
    content: bytes | None = None  # None when not wanted or over its size cap
    link: str = ""  # symlink target as stored

    @property
    def location(self) -> Location:
        return Location(self.path, self.layer)

    def text(self) -> str:
        """Content as text; undecodable bytes are replaced rather than fatal."""
        return (self.content or b"").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Environment:
    """What a parser may consult besides its own file."""

    tree: FileTree
    distro: Distro | None


class Cataloger(Protocol):
    """One parsing logic. The framework walks, reads, stamps location and found_by."""

    name: str  # stable kebab-case id, e.g. "dpkg-db"
    globs: tuple[str, ...]  # paths it parses, relative to the root; "**" spans directories
    reads: tuple[str, ...]  # further paths whose content parse() looks up via env.tree
    max_size: int  # content over this size is not read (a warning says so)

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]: ...
