"""Alpine (apk) version ordering, written by hand.

Ref. alpinelinux/apk-tools:src/version.c and its test/version.data vectors.

Why not `univers`: its AlpineLinuxVersion rejects versions apk-tools itself orders,
e.g. `006`, `021109-r3` and `02.08.01b` (leading zeros) and `23_foo`; apk-tools compares
those, and so must we, since Alpine's own packages carry them.

A version is a token stream: numbers separated by `.`, an optional letter, `_suffix[N]`
parts (pre-release suffixes sort before the release, others after), then `-rN`. Tokens
are compared one by one; at the first difference the value decides, and when one side
goes on where the other stops, the kind of its next token decides.
"""

from __future__ import annotations

from functools import lru_cache

# Token kinds, ranked as apk-tools ranks them: when one side stops, the side whose next
# token has the *lower* kind is the newer one (a further ".1" beats "_alpha" beats END).
INVALID, DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END = range(-1, 7)
PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")  # sort before the plain release
POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")  # sort after it
# Steps to a lower kind that apk-tools accepts; any other backwards step is invalid.
_BACKSTEPS = {(DIGIT_OR_ZERO, DIGIT), (SUFFIX, SUFFIX_NO), (DIGIT, LETTER)}

Token = tuple[int, int]  # (value of this token, kind of the token after it)


def compare(a: str, b: str) -> int:
    """Order two apk versions (`1.2.3_rc1-r0`): -1, 0 or 1, as `apk version -t` does."""
    if a == b:
        return 0
    left, right = _tokens(a), _tokens(b)
    i, at, bt, av, bv = 0, DIGIT, DIGIT, 0, 0
    while at == bt and at not in (END, INVALID) and av == bv:
        (av, at), (bv, bt) = left[i], right[i]
        i += 1
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    # One side goes on: it is newer, unless what follows is a pre-release suffix.
    if at == SUFFIX and left[i][0] < 0:
        return -1
    if bt == SUFFIX and right[i][0] < 0:
        return 1
    return (at < bt) - (at > bt)


@lru_cache(maxsize=65536)
def _tokens(version: str) -> tuple[Token, ...]:
    """The version as (value, next kind) pairs, ending with END or INVALID."""
    out: list[Token] = []
    kind, pos = DIGIT, 0
    while kind not in (END, INVALID):
        value, pos, kind = _token(version, pos, kind)
        out.append((value, kind))
    return tuple(out)


def _token(s: str, pos: int, kind: int) -> tuple[int, int, int]:
    """Read one token of `kind` at `pos`: (value, position after it, next kind)."""
    if pos >= len(s):
        return 0, pos, END
    value, end, forced = _value(s, pos, kind)
    if forced == INVALID:
        return -1, pos, INVALID
    if end >= len(s):
        return value, end, END
    if forced is not None:
        return value, end, forced
    kind, end = _next_kind(s, end, kind)
    return value, end, kind


def _value(s: str, pos: int, kind: int) -> tuple[int, int, int | None]:
    """The token's value, where it ends, and a forced next kind (None: look at the text)."""
    if kind == DIGIT_OR_ZERO and s[pos] == "0":
        end = pos
        while end < len(s) and s[end] == "0":
            end += 1
        return pos - end, end, DIGIT  # leading zeros sort low: 1.01 < 1.1
    if kind in (DIGIT_OR_ZERO, DIGIT, SUFFIX_NO, REVISION_NO):
        end = pos
        while end < len(s) and s[end].isdigit():
            end += 1
        return int(s[pos:end] or 0), end, None
    if kind == LETTER:
        return ord(s[pos]), pos + 1, None
    if kind == SUFFIX:
        return _suffix(s, pos)
    return 0, pos, INVALID


def _suffix(s: str, pos: int) -> tuple[int, int, int | None]:
    """Pre-release suffixes get negative values, post-release ones zero and up."""
    for i, name in enumerate(PRE_SUFFIXES):
        if s.startswith(name, pos):
            return i - len(PRE_SUFFIXES), pos + len(name), None
    for i, name in enumerate(POST_SUFFIXES):
        if s.startswith(name, pos):
            return i, pos + len(name), None
    return 0, pos, INVALID


def _next_kind(s: str, pos: int, kind: int) -> tuple[int, int]:
    """The kind of the token at `pos`, and where its value starts (after a separator)."""
    char = s[pos]
    if kind in (DIGIT, DIGIT_OR_ZERO) and "a" <= char <= "z":
        new = LETTER
    elif kind == LETTER and char.isdigit():
        new = DIGIT
    elif kind == SUFFIX and char.isdigit():
        new = SUFFIX_NO
    else:
        new, pos = _separator(s, pos)
    if new < kind and (new, kind) not in _BACKSTEPS:
        new = INVALID
    return new, pos


def _separator(s: str, pos: int) -> tuple[int, int]:
    char = s[pos]
    if char == ".":
        return DIGIT_OR_ZERO, pos + 1
    if char == "_":
        return SUFFIX, pos + 1
    if s.startswith("-r", pos):
        return REVISION_NO, pos + 2
    return INVALID, pos + 1
