"""RPM version ordering: rpmvercmp plus epoch and release, as rpm itself sorts.

Ref. rpm's lib/rpmvercmp.c and its tests/rpmvercmp.at, and rpm-version(7).

`vercmp` is `univers.rpm.vercmp`: univers passes all 91 vectors of rpm's
tests/rpmvercmp.at (pinned in tests/versions/test_rpm_version.py). The `Evr` split stays
ours because univers' `from_evr` splits the release at the *first* dash where rpm uses
the last (`1.2-3-4` is version `1.2-3`, release `4`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from univers.rpm import vercmp as univers_vercmp

# rpm splits a version into maximal runs of ASCII digits or ASCII letters; every
# other character only separates segments, except the `~` and `^` operators.
_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")
_EVR = re.compile(r"(?:(\d+):)?(.*)")


def vercmp(a: str, b: str) -> int:
    """Compare one version or release field exactly as rpmvercmp() does: -1, 0 or 1."""
    return 0 if a == b else univers_vercmp(a, b)


@total_ordering
@dataclass(frozen=True, slots=True)
class Evr:
    """An `[epoch:]version[-release]` triple; a missing epoch counts as 0, like rpm."""

    epoch: int
    version: str
    release: str = ""

    @classmethod
    def parse(cls, text: str) -> Evr:
        """Split at the first colon (epoch) and the *last* dash (release), as rpm does."""
        match = _EVR.fullmatch(text.strip())
        epoch, rest = (match.group(1), match.group(2)) if match else (None, text)
        version, dash, release = rest.rpartition("-")
        if not dash:
            version, release = rest, ""
        return cls(int(epoch or 0), version, release)

    def compare(self, other: Evr) -> int:
        """Epoch first, then version, then release (rpm's labelCompare)."""
        if self.epoch != other.epoch:
            return 1 if self.epoch > other.epoch else -1
        return vercmp(self.version, other.version) or vercmp(self.release, other.release)

    def __lt__(self, other: Evr) -> bool:
        return self.compare(other) < 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evr) and self.compare(other) == 0

    def __hash__(self) -> int:
        return hash((self.epoch, _hash_key(self.version), _hash_key(self.release)))


def _hash_key(text: str) -> tuple[str, ...]:
    """Tokens with leading zeros dropped: equal versions ("1.01", "1_1") hash alike."""
    return tuple(t.lstrip("0") if t[0].isdigit() else t for t in _TOKEN.findall(text))


def compare(a: str, b: str) -> int:
    """Order two full rpm versions (`1:3.0.7-25.el9_3`): -1, 0 or 1."""
    return Evr.parse(a).compare(Evr.parse(b))
