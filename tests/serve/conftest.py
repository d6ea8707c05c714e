"""Fixtures for `dockwise serve` tests (serving.py): the demo vulnerability database,
a registry with the demo image and 20 variants, a server per test module, and a
server over a store that `dockwise fleet` filled: the demo image added, then re-matched
against a newer database that adds a gzip advisory (a notification and a second point
in the trend)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fleet.fleet_fixtures import GZIP_ADVISORY, build_db
from fleet.fleet_postgres import postgres  # noqa: F401 - fixture
from serving import Images, Server, registry_with_images, run_server

from dockwise.cli import main


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


@dataclass(frozen=True)
class Fleet:
    server: Server
    digest: str  # the demo image's


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> Path:
    from demo.build_demo import main as build_demo

    path = tmp_path_factory.mktemp("demo") / "image.tar"
    assert build_demo([str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def fleet(tmp_path_factory, vuln_db, images, demo_archive) -> Iterator[Fleet]:
    home = tmp_path_factory.mktemp("fleet")
    store = f"sqlite:///{home / 'fleet.db'}"
    newer = build_db(home, home / "newer.db", GZIP_ADVISORY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        assert main(["fleet", "add", "-q", "--store", store, "--db", str(vuln_db),
                     str(demo_archive)]) == 0  # fmt: skip
        assert main(["fleet", "rematch", "--store", store, "--db", str(newer)]) == 0
    with sqlite3.connect(home / "fleet.db") as db:
        digest = db.execute("SELECT digest FROM images").fetchone()[0]
    with run_server(home, newer, images) as server:
        yield Fleet(server, digest)
