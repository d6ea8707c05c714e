"""Maven version ordering (ComparableVersion): items, qualifiers, `-SNAPSHOT`.

`univers`' MavenVersion passes Maven's ComparableVersionTest vectors (as ported by
google/osv.dev:osv/ecosystems/maven_test.py) except one: Maven 3.9+ treats the
qualifier `release` like `ga` and `final` (equal to no qualifier), univers does not.
So `release` is rewritten to `ga` before parsing.
"""

from __future__ import annotations

import re

from univers.versions import MavenVersion

from dockwise.versions._univers import comparator

# `release` as a whole qualifier: after a digit or separator, before a separator or end.
_RELEASE = re.compile(r"(?i)(?<=[0-9.\-])release(?=$|[.\-0-9])")


def _prepare(text: str) -> str:
    return _RELEASE.sub("ga", text.strip())


compare = comparator(MavenVersion, _prepare)
