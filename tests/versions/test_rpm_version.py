"""rpm version ordering, pinned by rpm's own test vectors.

VECTORS are rpm-software-management/rpm:tests/rpmvercmp.at (the RPMVERCMP lines,
including the caret cases added in rpm 4.15), as `(a, b, expected)`.
"""

import pytest

from dockwise.versions import COMPARATORS
from dockwise.versions.rpm import Evr, compare, vercmp

VECTORS = """
1.0 1.0 0|1.0 2.0 -1|2.0 1.0 1|2.0.1 2.0.1 0|2.0 2.0.1 -1|2.0.1 2.0 1
2.0.1a 2.0.1a 0|2.0.1a 2.0.1 1|2.0.1 2.0.1a -1|5.5p1 5.5p1 0|5.5p1 5.5p2 -1|5.5p2 5.5p1 1
5.5p10 5.5p10 0|5.5p1 5.5p10 -1|5.5p10 5.5p1 1|10xyz 10.1xyz -1|10.1xyz 10xyz 1
xyz10 xyz10 0|xyz10 xyz10.1 -1|xyz10.1 xyz10 1|xyz.4 xyz.4 0|xyz.4 8 -1|8 xyz.4 1
xyz.4 2 -1|2 xyz.4 1|5.5p2 5.6p1 -1|5.6p1 5.5p2 1|5.6p1 6.5p1 -1|6.5p1 5.6p1 1
6.0.rc1 6.0 1|6.0 6.0.rc1 -1|10b2 10a1 1|10a2 10b2 -1|1.0aa 1.0aa 0|1.0a 1.0aa -1
1.0aa 1.0a 1|10.0001 10.0001 0|10.0001 10.1 0|10.1 10.0001 0|10.0001 10.0039 -1
10.0039 10.0001 1|4.999.9 5.0 -1|5.0 4.999.9 1|20101121 20101121 0|20101121 20101122 -1
20101122 20101121 1|2_0 2_0 0|2.0 2_0 0|2_0 2.0 0|a a 0|a+ a+ 0|a+ a_ 0|a_ a+ 0|+a +a 0
+a _a 0|_a +a 0|+_ +_ 0|_+ +_ 0|_+ _+ 0|+ _ 0|_ + 0
1.0~rc1 1.0~rc1 0|1.0~rc1 1.0 -1|1.0 1.0~rc1 1|1.0~rc1 1.0~rc2 -1|1.0~rc2 1.0~rc1 1
1.0~rc1~git123 1.0~rc1~git123 0|1.0~rc1~git123 1.0~rc1 -1|1.0~rc1 1.0~rc1~git123 1
1.0^ 1.0^ 0|1.0^ 1.0 1|1.0 1.0^ -1|1.0^git1 1.0^git1 0|1.0^git1 1.0 1|1.0 1.0^git1 -1
1.0^git1 1.0^git2 -1|1.0^git2 1.0^git1 1|1.0^git1 1.01 -1|1.01 1.0^git1 1
1.0^20160101 1.0^20160101 0|1.0^20160101 1.0.1 -1|1.0.1 1.0^20160101 1
1.0^20160101^git1 1.0^20160101^git1 0|1.0^20160102 1.0^20160101^git1 1
1.0^20160101^git1 1.0^20160102 -1
1.0~rc1^git1 1.0~rc1^git1 0|1.0~rc1^git1 1.0~rc1 1|1.0~rc1 1.0~rc1^git1 -1
1.0^git1~pre 1.0^git1~pre 0|1.0^git1 1.0^git1~pre 1|1.0^git1~pre 1.0^git1 -1
"""
CASES = [tuple(v.split()) for v in VECTORS.replace("\n", "|").split("|") if v.strip()]


@pytest.mark.parametrize(("a", "b", "want"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_rpmvercmp_vectors(a, b, want):
    assert vercmp(a, b) == int(want)


def test_vector_count():
    assert len(CASES) == 91  # every RPMVERCMP line of rpmvercmp.at


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("1:1.0-1", "2.0-1", 1),  # epoch wins over everything
        ("0:1.0-1", "1.0-1", 0),  # a missing epoch is 0
        ("1.0-2", "1.0-10", -1),
        ("3.0.7-25.el9_3", "3.0.7-25.el9_2", 1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1.2-3-4", "1.2-3-5", -1),  # the release is after the *last* dash
    ],
    ids=["epoch", "zero_epoch", "release", "el9", "tilde", "last_dash"],
)
def test_compare_full_versions(a, b, want):
    assert compare(a, b) == want
    assert COMPARATORS["rpm"](b, a) == -want


def test_evr_parse_and_sort():
    assert Evr.parse("2:1.2-3-4") == Evr(2, "1.2-3", "4")
    assert Evr.parse("1.0") == Evr(0, "1.0", "")
    versions = ["1.0-1", "1:0.1-1", "1.0~rc1-1", "1.0^git1-1", "1.0-1.1"]
    want = ["1.0~rc1-1", "1.0-1", "1.0-1.1", "1.0^git1-1", "1:0.1-1"]
    assert sorted(versions, key=Evr.parse) == want
    assert len({Evr.parse("1.01-1"), Evr.parse("1.1-1")}) == 1
