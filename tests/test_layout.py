"""The suite's own layout: pytest (prepend import mode) needs unique test module names."""

import re
from collections import Counter

from corpus import REPO


def test_test_module_basenames_are_unique():
    names = Counter(p.name for p in (REPO / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []


def test_no_test_imports_a_conftest_by_name():
    """Every test directory has its own `conftest`: importing one by name picks whichever
    directory pytest put first on sys.path. Shared helpers live in named modules."""
    offenders = [
        p.relative_to(REPO).as_posix()
        for p in (REPO / "tests").rglob("*.py")
        if re.search(r"^\s*(from conftest import|import conftest)", p.read_text(), re.M)
    ]
    assert offenders == []
