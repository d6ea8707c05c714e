"""NuGet version ordering: four numeric parts, case-insensitive SemVer 2 pre-releases.

`univers`' NugetVersion passes NuGet.Client's VersionComparerTests vectors (as ported by
google/osv.dev:osv/ecosystems/nuget_test.py; tests/versions/test_language_versions.py).
"""

from __future__ import annotations

from univers.versions import NugetVersion

from dockwise.versions._univers import comparator

compare = comparator(NugetVersion)
