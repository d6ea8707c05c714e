"""npm (node-semver) ordering: SemVer 2.0.0 precedence; build metadata is ignored.

`univers`' SemverVersion passes the semver.org section 11 precedence examples. npm
writes versions without the `v` that some lockfiles and tags carry, so it is dropped,
as node-semver's loose parsing does.
"""

from __future__ import annotations

from univers.versions import SemverVersion

from dockwise.versions._univers import comparator


def strip_v(text: str) -> str:
    """`v1.2.3` and `=1.2.3` (node-semver's loose forms) -> `1.2.3`."""
    return text.strip().lstrip("=vV").strip()


compare = comparator(SemverVersion, strip_v)
