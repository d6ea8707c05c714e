"""The issue-16 test images, built once per module, and golden profiles."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from goldens import checker
from runprofile.cases import CASES, build


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, str]:
    """Case name -> docker-archive SOURCE."""
    directory = tmp_path_factory.mktemp("runprofile")
    return {name: build(name, directory) for name in CASES}


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/profile/<name>, or rewrite it with --update-goldens."""
    return checker(request, "profile")
