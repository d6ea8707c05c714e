"""Version ordering per ecosystem: how a vulnerability range knows what is older.

Each module exposes `compare(a, b) -> int` (negative, zero or positive, like C's strcmp)
over full version strings as the package database records them, and raises ValueError
for a version it cannot order. `univers` or `packaging` is used wherever it passes the
ecosystem's own test vectors; apk and Composer are written by hand (see their modules).

Add one: write `versions/<scheme>.py` with `compare`, add it to COMPARATORS and map its
OSV ecosystem name in ECOSYSTEM_SCHEMES.
"""

from __future__ import annotations

from collections.abc import Callable

from dockwise.versions import (
    apk,
    cargo,
    composer,
    dpkg,
    golang,
    maven,
    nuget,
    pep440,
    rpm,
    rubygems,
    semver,
)

Compare = Callable[[str, str], int]

COMPARATORS: dict[str, Compare] = {
    "apk": apk.compare,
    "cargo": cargo.compare,
    "composer": composer.compare,
    "dpkg": dpkg.compare,
    "go": golang.compare,
    "maven": maven.compare,
    "npm": semver.compare,
    "nuget": nuget.compare,
    "pep440": pep440.compare,
    "rpm": rpm.compare,
    "rubygems": rubygems.compare,
    "semver": semver.compare,
}

# OSV ecosystem (the part before the first ":") -> ordering scheme.
# Ref. https://ossf.github.io/osv-schema/#defined-ecosystems
ECOSYSTEM_SCHEMES: dict[str, str] = {
    "AlmaLinux": "rpm",
    "Alpine": "apk",
    "Amazon Linux": "rpm",
    "Azure Linux": "rpm",
    "CBL-Mariner": "rpm",
    "Chainguard": "apk",
    "crates.io": "cargo",
    "Debian": "dpkg",
    "Go": "go",
    "Mageia": "rpm",
    "Maven": "maven",
    "npm": "npm",
    "NuGet": "nuget",
    "openEuler": "rpm",
    "openSUSE": "rpm",
    "Oracle Linux": "rpm",
    "Packagist": "composer",
    "Photon OS": "rpm",
    "PyPI": "pep440",
    "Red Hat": "rpm",
    "Rocky Linux": "rpm",
    "RubyGems": "rubygems",
    "SUSE": "rpm",
    "Ubuntu": "dpkg",
    "Wolfi": "apk",
}


def scheme_for(ecosystem: str) -> str:
    """The ordering scheme of an OSV ecosystem (`Debian:12` -> `dpkg`); "" when unknown."""
    return ECOSYSTEM_SCHEMES.get(ecosystem.split(":", 1)[0], "")
