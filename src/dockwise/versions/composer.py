"""Packagist (Composer) version ordering, written by hand.

Composer compares normalised versions with PHP's version_compare()
(ref. php-src:ext/standard/versioning.c; composer/semver's Comparator). Why not
`univers`: its ComposerVersion orders `4.3-2RC2` below `4.3-2beta5`, `1.0.0-p1` below
`1.0.0` and `1.0.0-dev` above `1.0.0-alpha`, all the wrong way round (vectors from
google/osv.dev:osv/ecosystems/packagist_test.py, which checks against PHP).

version_compare: every `-`, `_`, `+` becomes `.`, a `.` is put between a digit and a
non-digit, then the parts are compared in turn: numbers by value, words by their rank
(dev < alpha = a < beta = b < RC = rc < number < pl = p; an unknown word ranks below
dev). When one side runs out, a further number makes the longer one newer and a
further word is ranked against a number.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SPECIAL = (("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3))
_SPECIAL += (("#", 4), ("pl", 5), ("p", 5))
_NUMBER_RANK = 4
_UNKNOWN_RANK = -1
_PARTS = re.compile(r"\d+|[^\d.]+")


def compare(a: str, b: str) -> int:
    """Order two Composer versions (`v1.2.3`, `4.3-2RC1`, `1.0.0-p1`): -1, 0 or 1."""
    if a == b:
        return 0
    left, right = _parts(a), _parts(b)
    for x, y in zip(left, right, strict=False):
        result = _compare_part(x, y)
        if result:
            return result
    if len(left) == len(right):
        return 0
    longer, sign = (left, 1) if len(left) > len(right) else (right, -1)
    extra = longer[min(len(left), len(right))]
    if extra.isdigit():
        return sign
    return sign * _sign(_rank(extra) - _NUMBER_RANK)


@lru_cache(maxsize=65536)
def _parts(version: str) -> tuple[str, ...]:
    """Canonical parts; a leading `v` (tags) is dropped, as Composer's normaliser does."""
    text = version.strip()
    if text[:1] in ("v", "V") and text[1:2].isdigit():
        text = text[1:]
    text = re.sub(r"[-_+]", ".", text)
    return tuple(_PARTS.findall(text))


def _compare_part(x: str, y: str) -> int:
    if x.isdigit() and y.isdigit():
        return _sign(int(x) - int(y))
    rank_x = _NUMBER_RANK if x.isdigit() else _rank(x)
    rank_y = _NUMBER_RANK if y.isdigit() else _rank(y)
    return _sign(rank_x - rank_y)


def _rank(word: str) -> int:
    """PHP matches the special forms as prefixes, in this order (`alpha1x` is alpha)."""
    for name, rank in _SPECIAL:
        if word.startswith(name):
            return rank
    return _UNKNOWN_RANK


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)
