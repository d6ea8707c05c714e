"""The issue-16 test images, built once per module, and golden profiles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from goldens import compare
from runprofile.cases import CASES, build

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "profile"


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, str]:
    """Case name -> docker-archive SOURCE."""
    directory = tmp_path_factory.mktemp("runprofile")
    return {name: build(name, directory) for name in CASES}


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/profile/<name>, or rewrite it with --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, actual: str) -> None:
        compare(GOLDEN / name, actual, update)

    return check
