"""The one adapter from `univers` version classes to our `compare(a, b) -> int`.

Parsed versions are cached: a scan compares the same few thousand strings many times
(each installed version against every event of every range), and parsing dominates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from univers.versions import Version

CACHE_SIZE = 65536


def comparator(cls: type[Version], prepare: Callable[[str], str] = str.strip):
    """A `compare(a, b)` over `cls`; an unparsable version raises ValueError."""

    @lru_cache(maxsize=CACHE_SIZE)
    def parse(text: str) -> Version:
        try:
            return cls(prepare(text))
        except Exception as e:  # univers raises per-scheme types (InvalidNuGetVersion, ...)
            raise ValueError(f"{text!r}: not a valid {cls.__name__}") from e

    def compare(a: str, b: str) -> int:
        if a == b:
            return 0
        x, y = parse(a), parse(b)
        return (x > y) - (x < y)

    return compare
