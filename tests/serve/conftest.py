"""Fixtures for `dockwise serve` tests (serving.py): the demo vulnerability database,
a registry with the demo image and 20 variants, and a server per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet.fleet_fixtures import build_db
from serving import Images, Server, registry_with_images, run_server


@pytest.fixture(scope="session")
def vuln_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vulndb")
    return build_db(root, root / "vulns.db")


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Images]:
    with registry_with_images(tmp_path_factory.mktemp("registry")) as found:
        yield found


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(server_home: Path, vuln_db: Path, images: Images) -> Iterator[Server]:
    with run_server(server_home, vuln_db, images, "--rate-limit", "5000/second",
                    "--workers", "4") as running:  # fmt: skip
        yield running
