"""PyPI version ordering: PEP 440 through `packaging`, the reference implementation.

A version that is not PEP 440 (old releases on PyPI have some) cannot be ordered
against a range: it raises ValueError and the range is reported as not evaluated,
rather than guessed.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.version import InvalidVersion, Version


@lru_cache(maxsize=65536)
def parse(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as e:
        raise ValueError(f"{text!r}: not a PEP 440 version") from e


def compare(a: str, b: str) -> int:
    """Order two PEP 440 versions (`1.0rc1`, `2!1.0.post1`): -1, 0 or 1."""
    if a == b:
        return 0
    x, y = parse(a), parse(b)
    return (x > y) - (x < y)
