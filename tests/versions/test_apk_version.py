"""apk version ordering, pinned by apk-tools' own vectors.

VECTORS are lines of alpinelinux/apk-tools:test/version.data (`a op b`): every line that
exercises a suffix, letter, leading zero, revision or invalid part, plus plain ones.
"""

import pytest

from dockwise.versions import COMPARATORS, scheme_for
from dockwise.versions.apk import compare

VECTORS = """
2.34 > 0.1.0_alpha
23_foo > 4_beta
1.0 < 1.0bc
0.1.0_alpha = 0.1.0_alpha
0.1.0_alpha2 > 0.1.0_alpha
0.1.0_alpha < 2.2.39-r1
1.0.4-r3 < 1.0.4-r4
1.1 > 1.1_alpha1
1.2.1 > 1.2
1.2 < 1.3_alpha
1.3_alpha < 1.3_alpha2
0.7.0 < 0.8_beta1
3.10.18-r1 > 2.3.0b-r1
2.3.0b-r1 < 2.3.0b-r2
0.12.3 > 0.12
1.2.12.1 < 1.2.13
0.2.0-r1 < 3.1_p16
3.1_p16 < 3.1_p17
1.06-r6 < 006
006 > 1.0.0
1.2.2-r1 > 1.2.2
20050718-r2 > 3.9.8-r5
3.9.8-r5 > 2.01.01_alpha10
1.0 > 0.99.3.20040818
2.38 < 20050405
20060720 > 3.0.20060720
3.0.20060720 < 20060720
2.5.1-r8 < 2.5.1a-r1
1.3.5-r10 > 1.3.5-r8
20040401 > 2.0.0_rc3-r1
3.0.0-r2 < 021109-r3
0.9.16-r1 < 3.9_pre20060124
1.1.7 < 6b-r7
0.10.0-r1 > 0.10.0
0.10.0 < 0.10.1_rc1
2.0.2 > 1.1a
1.0-r1 > 0.15.1b
0.15.1b-r2 > 0.15.1b
22.7-r1 < 22.7.3-r1
22.7 > 2.1_pre20
2.10.1 > 02.08.01b
3.81 > 1.6d
1.6d > 1.2.07.8
1.07.5 > 1.07
20061003 > 0.1_pre20060810
3.3.17 > 0.59s-r11
0.20070118 < 0.20070207_rc1
0.20070207_rc1 < 1.0
4.5_p1-r1 > 4.5_p1
0.9.8c-r1 < 0.9.8d
1.8.5 < 1.8.5_p2
1.7 < 1.7b
2.9.11_pre20051101-r3 > 2.9.11_pre20051101
1.6.8_p12-r1 > 1.6.8_p9-r2
0.9.28-r2 < 0.9.28.1
0.9.28.1 < 087-r1
104-r11 > 104-r9
1.2.5_rc2 > 0.1
2.12r-r4 < 2.12r-r5
7.0.17 < 7.0.174
0.3.4_pre20061029 < 0.4.0
1.3-r0 < 1.3.1-r0
1.3_pre1-r1 < 1.3.2
1.0_p10-r0 > 1.0_p9-r0
0.1.0_alpha_pre2 < 0.1.0_alpha
1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0
"""
CASES = [tuple(line.split()) for line in VECTORS.strip().splitlines()]
OPS = {"<": -1, "=": 0, ">": 1}


@pytest.mark.parametrize(("a", "op", "b"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_apk_vectors(a, op, b):
    assert compare(a, b) == OPS[op]
    assert compare(b, a) == -OPS[op]


def test_alpine_ecosystems_use_apk():
    assert COMPARATORS[scheme_for("Alpine:v3.19")]("1.36.1-r1", "1.36.1-r2") == -1
