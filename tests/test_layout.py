"""The suite's own layout: pytest (prepend import mode) needs unique test module names."""

from collections import Counter

from corpus import REPO


def test_test_module_basenames_are_unique():
    names = Counter(p.name for p in (REPO / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
