"""OSV affected-range evaluation: is this version inside this `affected` entry?

Ref. https://ossf.github.io/osv-schema/#evaluation. Events are sorted by the ecosystem's
own ordering (`introduced: "0"` first) and walked in order: `introduced` opens an
interval, `fixed` closes it before its version, `last_affected` closes it after its
version; `limit` events cap the whole range. `GIT` ranges name commits, which an image
does not carry, so they are skipped. A version is also affected when the `versions`
list names it.

The result says *why*, so a finding can explain itself: which range, and which
comparison put the version inside (or, for a back-ported fix, outside) it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cmp_to_key

from dockwise.versions import Compare
from dockwise.vulndb.advisory import Affected, Range

EVALUATED_TYPES = ("ECOSYSTEM", "SEMVER")
ZERO = "0"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one `affected` entry says about one installed version."""

    affected: bool
    fixed: str = ""  # the fix that ends the interval the version is in ("" when none)
    range: str = ""  # the range as text: "ECOSYSTEM introduced 0, fixed 2.36-9+deb12u7"
    comparison: str = ""  # "0 <= 2.36-9+deb12u4 < 2.36-9+deb12u7 (dpkg)"
    patched: bool = False  # not affected *because* a fix at or below the version exists


NOT_AFFECTED = Verdict(False)


def evaluate(affected: Affected, version: str, scheme: str, compare: Compare) -> Verdict:
    """The verdict of one `affected` entry: the first range that contains the version,
    else the `versions` list, else not affected (noting a passed fix, if any)."""
    patched: Verdict | None = None
    for rng in affected.ranges:
        if rng.type not in EVALUATED_TYPES:
            continue
        try:
            verdict = _evaluate_range(rng, version, scheme, compare)
        except ValueError:
            continue  # a version this ordering cannot parse: no verdict from this range
        if verdict.affected:
            return verdict
        patched = patched or (verdict if verdict.patched else None)
    if version in affected.versions:
        return Verdict(True, range="versions list", comparison=f"{version} listed as affected")
    return patched or NOT_AFFECTED


def _evaluate_range(rng: Range, version: str, scheme: str, compare: Compare) -> Verdict:
    events = [e for e in rng.events if e[0] != "limit"]
    limits = [v for kind, v in rng.events if kind == "limit" and v != "*"]
    text = f"{rng.type} " + ", ".join(f"{k} {v}" for k, v in rng.events)
    if limits and not any(compare(version, limit) < 0 for limit in limits):
        return NOT_AFFECTED
    lower, upper, passed = _interval(_sorted(events, compare), version, compare)
    if lower is None:
        return _patched(passed, version, scheme, text)
    return _inside(lower, upper, version, scheme, text)


def _sorted(events: Sequence[tuple[str, str]], compare: Compare) -> list[tuple[str, str]]:
    """Events by version; `introduced: 0` (before every version) first."""

    def order(x: tuple[str, str], y: tuple[str, str]) -> int:
        if x[1] == ZERO or y[1] == ZERO:
            return (y[1] == ZERO) - (x[1] == ZERO)
        return compare(x[1], y[1])

    return sorted(events, key=cmp_to_key(order))


def _interval(events, version: str, compare: Compare):
    """(introduced, (kind, bound) or None, last fix passed) for the interval holding
    `version`; introduced is None when no interval does."""
    lower: str | None = None
    passed: str = ""
    for kind, value in events:
        if kind == "introduced":
            if value != ZERO and compare(version, value) < 0:
                break
            lower = value
        elif kind == "fixed" and compare(version, value) >= 0:
            lower, passed = None, value
        elif kind == "last_affected" and compare(version, value) > 0:
            lower, passed = None, ""
        elif kind in ("fixed", "last_affected"):
            return lower, ((kind, value) if lower is not None else None), passed
    return lower, None, passed


def _inside(lower: str, upper, version: str, scheme: str, text: str) -> Verdict:
    if upper is None:
        return Verdict(True, "", text, f"{lower} <= {version} (no fix in range; {scheme})")
    kind, bound = upper
    sign = "<" if kind == "fixed" else "<="
    fixed = bound if kind == "fixed" else ""
    return Verdict(True, fixed, text, f"{lower} <= {version} {sign} {bound} ({scheme})")


def _patched(passed: str, version: str, scheme: str, text: str) -> Verdict:
    """Outside every interval; when a fix at or below the version is why, say so."""
    if not passed:
        return NOT_AFFECTED
    return Verdict(False, passed, text, f"{version} >= {passed} ({scheme})", patched=True)
