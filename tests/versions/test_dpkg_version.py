"""dpkg version ordering, pinned by dpkg's own vectors.

VECTORS are the data table of guillemj/dpkg:scripts/t/Dpkg_Version.t (`a b expected`),
except its `-0.6.5` line, which dpkg's parser rejects as an empty upstream version.
"""

import pytest

from dockwise.versions import COMPARATORS, scheme_for
from dockwise.versions.dpkg import compare

VECTORS = """
1.0-1 2.0-2 -1
2.2~rc-4 2.2-1 -1
2.2-1 2.2~rc-4 1
1.0000-1 1.0-1 0
1 0:1 0
0 0:0-0 0
2:2.5 1:7.5 1
1:0foo 0foo 1
0:0foo 0foo 0
0foo 0foo 0
0foo- 0foo 0
0foo- 0foo-0 0
0foo 0fo 1
0foo- 0foo+ -1
0foo~1 0foo -1
0foo~foo+Bar 0foo~foo+bar -1
0foo~~ 0foo~ -1
1~ 1 -1
12345+that-really-is-some-ver-0 12345+that-really-is-some-ver-10 -1
0foo-0 0foo-01 -1
0foo.bar 0foobar 1
0foo.bar 0foo1bar 1
0foo.bar 0foo0bar 1
0foo1bar-1 0foobar-1 -1
0foo2.0 0foo2 1
0foo2.0.0 0foo2.10.0 -1
0foo2.0 0foo2.0.0 -1
0foo2.0 0foo2.10 -1
0foo2.1 0foo2.10 -1
1.09 1.9 0
1.0.8+nmu1 1.0.8 1
3.11 3.10+nmu1 1
0.9j-20080306-4 0.9i-20070324-2 1
1.2.0~b7-1 1.2.0~b6-1 1
1.011-1 1.06-2 1
0.0.9+dfsg1-1 0.0.8+dfsg1-3 1
4.6.99+svn6582-1 4.6.99+svn6496-1 1
53 52 1
0.9.9~pre122-1 0.9.9~pre111-1 1
2:2.3.2-2+lenny2 2:2.3.2-2 1
1:3.8.1-1 3.8.GA-1 1
1.0.1+gpl-1 1.0.1-2 1
1a 1000a -1
"""
CASES = [tuple(line.split()) for line in VECTORS.strip().splitlines()]


@pytest.mark.parametrize(("a", "b", "want"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_dpkg_vectors(a, b, want):
    assert compare(a, b) == int(want)
    assert compare(b, a) == -int(want)


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("2.36-9+deb12u4", "2.36-9+deb12u7", -1),
        ("1.1.0l-1~deb9u6", "1.1.1o-1", -1),  # a back-port sorts below the upstream fix
        ("7.88.1-10+deb12u5", "7.88.1-10+deb12u5+b1", -1),  # binNMU
        ("1:1.0", "9.9", 1),
    ],
    ids=["point_release", "backport", "binnmu", "epoch"],
)
def test_debian_security_versions(a, b, want):
    assert COMPARATORS[scheme_for("Debian:12")](a, b) == want


def test_unparsable_version_raises_value_error():
    with pytest.raises(ValueError):
        compare("", "1.0")
