"""Path globs as regular expressions, for the layer reader, the catalogers and the rules.

At the floor of the package: the source's selector, the catalogers and the security
rules (which the source applies to image metadata) all match paths the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def glob_regex(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for many globs: `*` stays in a path segment, `**/` spans any depth.

    Hand-written because fnmatch lets `*` cross `/` and PurePath.full_match needs 3.13.
    """
    alternatives = []
    for pattern in patterns:
        out = []
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        alternatives.append("".join(out))
    return re.compile("(?:" + "|".join(alternatives or ["(?!)"]) + r")\Z")
