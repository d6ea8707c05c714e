"""Go module version ordering, and Go toolchain versions as the vulndb writes them.

Module versions are SemVer with a `v`; pseudo-versions (`v0.0.0-20210101000000-abcdef`,
`v1.2.4-0.2021...`) are SemVer pre-releases, so they order correctly by precedence and
need no special case; `+incompatible` is build metadata and ignored.
Ref. https://go.dev/ref/mod#versions and #pseudo-versions.

The Go toolchain (`go1.21rc2`, as `runtime.Version()` and a binary's build info say it)
is not SemVer; golang/vulndb records the `stdlib` and `toolchain` modules in SemVer
(`1.21.0-rc.2`), so `toolchain_semver` converts, as golang.org/x/vuln does.
"""

from __future__ import annotations

import re

from univers.versions import GolangVersion

from dockwise.versions._univers import comparator
from dockwise.versions.semver import strip_v

compare = comparator(GolangVersion, strip_v)

_TOOLCHAIN = re.compile(r"go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(alpha|beta|rc)(\d+))?")


def toolchain_semver(text: str) -> str:
    """`go1.21.5` -> `1.21.5`, `go1.21` -> `1.21.0`, `go1.21rc2` -> `1.21.0-rc.2`; else ""."""
    match = _TOOLCHAIN.fullmatch(text.strip().split()[0] if text.strip() else "")
    if not match:
        return ""
    major, minor, patch, pre, pre_num = match.groups()
    version = f"{major}.{minor or 0}.{patch or 0}"
    return f"{version}-{pre}.{pre_num}" if pre else version
