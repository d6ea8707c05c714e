"""Fixtures for the security tests: images with planted problems, built in tmp_path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tools.imagepack import ImageSpec, write_docker_archive


@pytest.fixture
def build(tmp_path) -> Callable[..., str]:
    """ImageSpec keyword arguments -> path of a docker-archive in tmp_path."""
    count = iter(range(1000))

    def make(**spec) -> str:
        path = tmp_path / f"image{next(count)}.tar"
        write_docker_archive(ImageSpec(**spec), path)
        return str(path)

    return make
