"""Declared licenses as SPDX license expressions, for the SPDX and CycloneDX outputs.

Packages declare licenses in their ecosystem's words: SPDX ids (`MIT`), Debian's DEP-5
short names (`GPL-2+ or Artistic`, `Expat`), or free text (`Apache 2.0`, `BSD`).
license-expression parses them against the SPDX list (with its deprecated ids and
aliases) and the DEP-5 short names added as aliases of the SPDX ids they stand for;
anything it does not know becomes a `LicenseRef-` naming the declared text, never a
guess and never an error.

The values Debian images declare are looked up in a bundled map first (data/licenses.json,
written by tools/build_license_map.py from license-expression's own answers, and checked
against them by the tests): importing license-expression, building its index and parsing
a Debian image's ~180 distinct values cost about 0.1 s per run, a tenth of a cold sbom.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from license_expression import Licensing

# DEP-5's short names that are not an SPDX id plus a version suffix
# (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/#license-short-name).
_DEP5_NAMES = {"Expat": "MIT", "Artistic": "Artistic-1.0"}
# `, and` binds loosest in DEP-5: `GPL-1+ or Artistic, and Expat` is (A or B) and C
_COMMA_AND = re.compile(r"\s*,\s*and\s+", re.I)
# `GPL-3+ with Bison exception`: an exception named in prose, one LicenseRef as a whole
_PROSE_EXCEPTION = re.compile(r"(\S+\s+with\s+.+?\s+exception)\b", re.I)
_NOT_REF_CHARS = re.compile(r"[^A-Za-z0-9.]+")
_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]+")  # already one (a package may declare it)
# license-expression's parse grows faster than the text: 3,000 characters take 17 ms,
# 128 KB 9 s, 1 MB (a hostile package.json) minutes. Real declared values stay under a few
# hundred characters (Fedora's longest License tags, about 2,000); longer ones are named,
# not parsed, and never cached.
MAX_PARSED = 2048


@dataclass(frozen=True, slots=True)
class Declared:
    """One declared value as SPDX: the expression and the LicenseRefs it introduced."""

    expression: str
    refs: tuple[tuple[str, str], ...] = ()  # (LicenseRef-id, the declared text it names)

    @property
    def simple(self) -> bool:
        """A single license (an id or one LicenseRef), not an expression."""
        return " " not in self.expression


def declared(value: str) -> Declared:
    """`value` as an SPDX expression; unknown names and unparsable text as LicenseRefs."""
    value = value.strip()
    return _declared(value) if len(value) <= MAX_PARSED else _too_long(value)


def combined(values: tuple[str, ...]) -> Declared:
    """All of a package's declared values ANDed (a package holds all its licenses)."""
    return _all_of([declared(value) for value in values])


@lru_cache(maxsize=4096)  # the same few dozen values recur across thousands of packages
def _declared(value: str) -> Declared:
    known = _bundled().get(value)
    if known is not None:
        expression, refs = known
        return Declared(expression, tuple((ref, text) for ref, text in refs))
    return computed(value)


@cache
def _bundled() -> dict[str, list]:
    """The bundled map: declared value -> [expression, [[LicenseRef-id, text], ...]]."""
    text = resources.files("dockwise.report").joinpath("data", "licenses.json").read_text("utf-8")
    return json.loads(text)


def computed(value: str) -> Declared:
    """`value` (stripped) through license-expression, the authority the bundled map follows."""
    from license_expression import ExpressionError

    groups = _COMMA_AND.split(value)
    try:
        parts = [_parse(group) for group in groups]
    except (ExpressionError, TypeError, AttributeError):
        # license-expression fails to format some of its own errors (AttributeError)
        return _unknown(value)
    return _all_of(parts)


def _all_of(parts: list[Declared]) -> Declared:
    """Each distinct expression once (`BSD-3-clause` and `BSD-3-Clause` are one)."""
    parts = list({p.expression: p for p in parts}.values())
    if len(parts) == 1:
        return parts[0]
    expression = " AND ".join(p.expression if p.simple else f"({p.expression})" for p in parts)
    return Declared(expression, tuple(dict.fromkeys(ref for p in parts for ref in p.refs)))


def _parse(text: str) -> Declared:
    from license_expression import ExpressionError, LicenseSymbol

    prose = {_ref_id(m): m for m in _PROSE_EXCEPTION.findall(text)}
    text = _PROSE_EXCEPTION.sub(lambda m: _ref_id(m[1]), text)
    licensing = _licensing()
    parsed = licensing.parse(text, validate=False, simple=False)
    if parsed is None:
        raise ExpressionError(f"empty license {text!r}")
    refs, swaps = {}, {}
    for symbol in licensing.license_symbols(parsed, unique=True, decompose=False):
        if _known(licensing, symbol):
            continue
        keep = symbol.key in prose or _REF.fullmatch(symbol.key)
        ref = symbol.key if keep else _ref_id(symbol.key)
        refs[ref] = prose.get(symbol.key, symbol.key)
        swaps[symbol] = LicenseSymbol(ref)
    if not swaps:
        return Declared(parsed.render("{symbol.key}"))
    # The SPDX list knows some LicenseRefs as aliases (`LicenseRef-LGPL` is
    # LGPL-2.0-or-later): parsed again, those become ids, as any SPDX reader makes them.
    again = licensing.parse(parsed.subs(swaps).render("{symbol.key}"), simple=False)
    expression = again.render("{symbol.key}")
    left = set(_REF.findall(expression))
    return Declared(expression, tuple((r, t) for r, t in refs.items() if r in left))


def _known(licensing: Licensing, symbol: object) -> bool:
    """An SPDX id, or an id WITH an SPDX exception."""
    parts = [getattr(symbol, "license_symbol", symbol), getattr(symbol, "exception_symbol", None)]
    return all(p is None or p.key in licensing.known_symbols for p in parts)


def _unknown(value: str) -> Declared:
    ref = _ref_id(value)
    return Declared(ref, ((ref, value),))


def _too_long(value: str) -> Declared:
    """One LicenseRef for a value too long to parse: its start and a digest of the whole
    as the id, its first MAX_PARSED characters (marked as cut) as the text."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    ref = f"{_ref_id(value[:64])}-{digest}"
    return Declared(ref, ((ref, value[:MAX_PARSED] + " [...]"),))


def _ref_id(text: str) -> str:
    """`LicenseRef-` and the text in the characters SPDX allows (letters, digits, `.-`)."""
    return "LicenseRef-" + (_NOT_REF_CHARS.sub("-", text).strip("-") or "unnamed")


@cache
def _licensing() -> Licensing:
    """The SPDX list with DEP-5 spellings as aliases: `GPL-2+` for GPL-2.0-or-later,
    `GPL-2` for GPL-2.0-only, `Apache-2` for Apache-2.0, plus the spec's own names.

    Built on first use (about 50 ms): only values missing from the bundled map pay.
    """
    from license_expression import build_spdx_licensing, get_license_index

    index = get_license_index()
    taken = {key.lower() for entry in index for key in _keys(entry)}
    extra: dict[str, list[str]] = {}
    for entry in index:
        spdx_id = entry.get("spdx_license_key") or ""
        for alias in _dep5_aliases(spdx_id):
            if alias.lower() not in taken:
                taken.add(alias.lower())
                extra.setdefault(spdx_id, []).append(alias)
    for name, spdx_id in _DEP5_NAMES.items():
        extra.setdefault(spdx_id, []).append(name)
    for entry in index:
        aliases = extra.get(entry.get("spdx_license_key") or "")
        if aliases:
            entry["other_spdx_license_keys"] = [*entry["other_spdx_license_keys"], *aliases]
    return build_spdx_licensing(index)


def _keys(entry: dict) -> list[str]:
    return [entry.get("spdx_license_key") or "", *entry.get("other_spdx_license_keys", [])]


def _dep5_aliases(spdx_id: str) -> list[str]:
    """DEP-5 writes versions without `.0` and `or later` as `+`: GPL-2.0-or-later, GPL-2+."""
    for suffix, mark in (("-or-later", "+"), ("-only", "")):
        if spdx_id.endswith(suffix):
            base = spdx_id.removesuffix(suffix)
            short = base.removesuffix(".0")
            return list(dict.fromkeys((base + mark, short + mark)))
    if spdx_id.endswith(".0"):
        return [spdx_id.removesuffix(".0")]
    return []
