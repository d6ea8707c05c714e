"""crates.io ordering: Cargo uses SemVer 2.0.0 precedence, the same as npm.

OSV's crates.io ranges are SEMVER ranges (https://ossf.github.io/osv-schema/).
"""

from __future__ import annotations

from dockwise.versions.semver import compare

__all__ = ["compare"]
