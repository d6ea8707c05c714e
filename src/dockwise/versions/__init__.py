"""Version ordering per ecosystem: how a vulnerability range knows what is older.

Each module exposes `compare(a, b) -> int` (negative, zero or positive, like C's
strcmp) over full version strings as the package database records them.
"""

from __future__ import annotations

from collections.abc import Callable

from dockwise.versions import rpm

COMPARATORS: dict[str, Callable[[str, str], int]] = {
    "rpm": rpm.compare,
}
