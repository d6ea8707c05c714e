"""RubyGems version ordering (Gem::Version): segments, letters mark a pre-release.

`univers`' RubygemsVersion is a port of Gem::Version and passes rubygems'
test/rubygems/test_gem_version.rb vectors (tests/versions/test_language_versions.py).
"""

from __future__ import annotations

from univers.versions import RubygemsVersion

from dockwise.versions._univers import comparator

compare = comparator(RubygemsVersion)
