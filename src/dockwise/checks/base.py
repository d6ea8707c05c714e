"""The checker role: turn what an image is into findings to act on.

A Checker reads a Target (the image's own description, its inventory and, when kept,
its file tree) and yields Findings. It never renders, filters for display or exits:
suppression, `--severity` and `--only-fixed` happen after every checker has run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from dockwise.model import Finding, ImageInfo, Inventory


@dataclass(frozen=True, slots=True)
class Target:
    """What a checker may look at."""

    image: ImageInfo
    inventory: Inventory
    tree: Any = None  # the squashed FileTree, for checkers that read files (secrets, ...)


class Checker(Protocol):
    """One kind of check; `name` is a stable kebab-case string used in output."""

    name: str

    def check(self, target: Target) -> Iterable[Finding]:
        """Every finding for this target, in any order."""
        ...
