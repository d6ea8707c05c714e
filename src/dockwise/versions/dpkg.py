"""Debian (dpkg) version ordering: `[epoch:]upstream[-revision]`, `~` before anything.

Ref. deb-version(7) and Debian Policy 5.6.12. `univers`' DebianVersion passes dpkg's own
vectors (dpkg:scripts/t/Dpkg_Version.t, in tests/versions/test_dpkg_version.py), so it is
used as is.
"""

from __future__ import annotations

from univers.versions import DebianVersion

from dockwise.versions._univers import comparator

compare = comparator(DebianVersion)
compare.__doc__ = "Order two dpkg versions (`1:2.36-9+deb12u4`): -1, 0 or 1."
