"""The cataloger interface: declare the paths you need, turn one file into packages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from dockwise.model import Distro, Package, ScanWarning
from dockwise.source.filetree import File, FileTree

__all__ = ["Cataloger", "Environment", "File", "DEFAULT_MAX_SIZE"]

DEFAULT_MAX_SIZE = 64 * 1024 * 1024


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
    # Optional: `facts = ("elf",)` also hands it every file a content analyzer of that
    # name recorded facts for (see dockwise.analyze); omitted means none.
    # Optional: `keys(file, env)`, the `Package.key`s `parse` would give, found cheaper:
    # asked of the older versions of a file, which only date its packages to a layer.

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]: ...
