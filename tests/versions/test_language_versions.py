# ruff: noqa: E501 -- tables of test vectors read best one case per line
"""Language ecosystems' orderings, pinned by each ecosystem's own test vectors.

Sources: Maven's ComparableVersionTest and NuGet.Client's VersionComparerTests (as ported
by google/osv.dev:osv/ecosystems/{maven,nuget}_test.py), rubygems'
test/rubygems/test_gem_version.rb, osv.dev's packagist_test.py (checked against PHP),
semver.org section 11, golang.org/x/mod pseudo-versions, PEP 440's examples.
"""

from itertools import pairwise

import pytest

from dockwise.versions import COMPARATORS, scheme_for
from dockwise.versions.golang import toolchain_semver

MAVEN_ORDER = [
    "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11",
    "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
    "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123",
]  # fmt: skip
MAVEN_NUMBERS = [
    "2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c",
    "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2",
    "11.m11", "11", "11.a", "11b", "11c", "11m",
]  # fmt: skip
SEMVER_ORDER = [
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
    "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
]  # fmt: skip
PEP440_ORDER = [
    "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
    "1.0b2.post345", "1.0rc1", "1.0", "1.0+abc.5", "1.0.post456.dev34", "1.0.post456", "1.1.dev1",
]  # fmt: skip
ORDERS = [
    ("maven", MAVEN_ORDER), ("maven", MAVEN_NUMBERS), ("npm", SEMVER_ORDER),
    ("cargo", SEMVER_ORDER), ("go", SEMVER_ORDER), ("pep440", PEP440_ORDER),
    ("rubygems", ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0-beta.11",
                  "1.0.0-rc.1", "1.0.0"]),
]  # fmt: skip


@pytest.mark.parametrize(("scheme", "order"), ORDERS,
                         ids=["maven_qualifiers", "maven_numbers", "npm", "cargo", "go", "pep440",
                              "rubygems_semver"])  # fmt: skip
def test_orders(scheme, order):
    compare = COMPARATORS[scheme]
    for low, high in pairwise(order):
        assert compare(low, high) == -1, (low, high)
        assert compare(high, low) == 1, (high, low)


CASES = [
    # Maven equalities, including `release` (Maven 3.9+), which univers misses.
    ("maven", "1", "1.0.0", 0), ("maven", "1a1", "1-alpha-1", 0), ("maven", "1cr", "1rc", 0),
    ("maven", "1release", "1", 0), ("maven", "1RELeaSE", "1", 0), ("maven", "1-1", "1-001", 0),
    ("maven", "6.1.0rc3", "6.1.0", -1), ("maven", "0.0.0-2021-05-17T01-01-51-5ec03a8b", "20.0.0", -1),
    # NuGet: case-insensitive pre-release, build metadata ignored, four parts.
    ("nuget", "1.0.0-BETA", "1.0.0-beta", 0), ("nuget", "1.0", "1.0.0.0", 0),
    ("nuget", "1.0.0", "1.0.0+beta", 0), ("nuget", "1.0.01", "1.0.1.0", 0),
    ("nuget", "1.0.0-pre", "1.0.0.1-alpha", -1), ("nuget", "1.0.0-BETA", "1.0.0-beta.1+AA", -1),
    ("nuget", "1.10.0", "1.2.0", 1),
    # RubyGems.
    ("rubygems", "1.8.2", "1.8.2.a", 1), ("rubygems", "1.8.2.a10", "1.8.2.a9", 1),
    ("rubygems", "", "0", 0), ("rubygems", "1.0", "1", 0), ("rubygems", "1.10.0.rc1", "1.2.0.rc1", 1),
    # Composer (PHP version_compare after normalisation).
    ("composer", "4.3-2RC1", "4.3-2RC2", -1), ("composer", "4.3-2RC2", "4.3-2beta5", 1),
    ("composer", "4.3-2", "4.3-2beta1", 1), ("composer", "1.0.0", "1.0", 1),
    ("composer", "1.0.0rc2", "1.0.0.rc2", 0), ("composer", "invalid", "0", -1),
    ("composer", "1.0.0-p1", "1.0.0", 1), ("composer", "1.0.0-dev", "1.0.0-alpha", -1),
    ("composer", "v2.1.0", "2.1.0", 0),
    # npm: build metadata ignored, numeric identifiers by value, loose `v`.
    ("npm", "1.0.0+build.1", "1.0.0", 0), ("npm", "1.0.0-2", "1.0.0-11", -1),
    ("npm", "v1.2.3", "1.2.3", 0),
    # Go: pseudo-versions are pre-releases; +incompatible is build metadata.
    ("go", "0.0.0-20210101000000-abcdefabcdef", "0.1.0", -1),
    ("go", "1.2.4-0.20210101000000-abcdefabcdef", "1.2.4", -1),
    ("go", "1.2.4-0.20210101000000-abcdefabcdef", "1.2.3", 1),
    ("go", "v2.0.0+incompatible", "2.0.0", 0),
    # PEP 440 normalisation.
    ("pep440", "1.0", "1.0.0", 0), ("pep440", "1.0-RC1", "1.0rc1", 0), ("pep440", "1!0.1", "2.0", 1),
]  # fmt: skip


@pytest.mark.parametrize(("scheme", "a", "b", "want"), CASES,
                         ids=[f"{c[0]}_{i}" for i, c in enumerate(CASES)])  # fmt: skip
def test_pairs(scheme, a, b, want):
    compare = COMPARATORS[scheme]
    assert compare(a, b) == want
    assert compare(b, a) == -want


@pytest.mark.parametrize(
    ("toolchain", "semver"),
    [("go1.21.5", "1.21.5"), ("go1.21", "1.21.0"), ("go1.21rc2", "1.21.0-rc.2"),
     ("go1.9beta2", "1.9.0-beta.2"), ("devel go1.22-abc", "")],
    ids=["patch", "minor", "rc", "beta", "devel"],
)  # fmt: skip
def test_go_toolchain_versions(toolchain, semver):
    assert toolchain_semver(toolchain) == semver


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [("PyPI", "pep440"), ("npm", "npm"), ("Go", "go"), ("Maven", "maven"),
     ("RubyGems", "rubygems"), ("crates.io", "cargo"), ("NuGet", "nuget"),
     ("Packagist", "composer"), ("Debian:12", "dpkg"), ("Ubuntu:22.04:LTS", "dpkg"),
     ("Alpine:v3.19", "apk"), ("AlmaLinux:9", "rpm"), ("Rocky Linux:9", "rpm"),
     ("Red Hat:enterprise_linux:9::baseos", "rpm"), ("Unknown", "")],
)  # fmt: skip
def test_ecosystem_schemes(ecosystem, scheme):
    assert scheme_for(ecosystem) == scheme


def test_invalid_versions_raise_value_error():
    for scheme in ("pep440", "npm", "nuget"):
        with pytest.raises(ValueError):
            COMPARATORS[scheme]("not a version at all", "1.0")
