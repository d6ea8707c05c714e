"""`dockwise scan` without a database, or with an old one: built from the feeds first by
`db update`'s own code, unless --offline (or $DOCKWISE_OFFLINE) forbids the network."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feed_mirror import write_mirror

from dockwise import cli
from dockwise.vulndb.store import VulnDb
from tools.imagepack import ImageSpec, write_docker_archive

PYPI = "/osv/PyPI/all.zip"  # enough for the image below, and quick to build
METADATA = "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n"
FINDING = "CVE-2023-32681"  # requests < 2.31.0


@pytest.fixture
def image(tmp_path) -> str:
    spec = ImageSpec(layers=[{"usr/lib/python3/site-packages/requests-2.30.0.dist-info/METADATA":
                              METADATA}])  # fmt: skip
    path = tmp_path / "image.tar"
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


@pytest.fixture
def feeds(mirror):
    """The loopback mirror with only the PyPI archive."""
    mirror.files = {PYPI: mirror.files[PYPI]}
    return mirror


@pytest.fixture
def first_run(tmp_path, monkeypatch) -> Path:
    """A machine that never ran dockwise: the default database path, no settings."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("DOCKWISE_DB", "DOCKWISE_MIRROR", "DOCKWISE_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "cache" / "dockwise" / "db" / "dockwise.db"


def scan(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = cli.main(["scan", "-q", "--no-cache", "-f", "json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else None, err


def rule_ids(doc: dict) -> set[str]:
    return {f["rule_id"] for f in doc["findings"] if f["kind"] == "vulnerability"}


def age(db: Path, days: float) -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'built'",
                     (when.strftime("%Y-%m-%dT%H:%M:%SZ"),))  # fmt: skip


def built(db: Path) -> str:
    with VulnDb(db) as opened:
        return opened.meta["built"]


@pytest.mark.parametrize("how", ["flag", "env"])
def test_first_scan_builds_the_database(feeds, first_run, image, capsys, monkeypatch, how):
    argv = ["--mirror", feeds.url] if how == "flag" else []
    if how == "env":
        monkeypatch.setenv("DOCKWISE_MIRROR", feeds.url)
    code, doc, err = scan(capsys, *argv, image)
    assert code == 0, err
    assert FINDING in rule_ids(doc)
    assert err.startswith(f"dockwise: no vulnerability database at {first_run}; building it "
                          f"from {feeds.url} (first run)\n")  # fmt: skip
    assert f"database updated: {first_run}: " in err
    assert first_run.is_file() and feeds.hits[PYPI] == 1


@pytest.mark.parametrize("how", ["flag", "env"])
def test_offline_without_a_database_is_one_line(feeds, first_run, image, capsys, monkeypatch, how):
    monkeypatch.setenv("DOCKWISE_MIRROR", feeds.url)
    argv = ["--offline"] if how == "flag" else []
    if how == "env":
        monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    code, _, err = scan(capsys, *argv, image)
    assert code == 2
    assert err == (
        f"dockwise: error: no vulnerability database at {first_run} and --offline forbids "
        "downloading it; install one with `dockwise db import BUNDLE` (a bundle written by "
        "`dockwise db export` on a connected machine)\n"
    )
    assert feeds.hits == {} and not first_run.exists()


def test_offline_builds_from_a_file_mirror(feeds, first_run, image, capsys, tmp_path):
    """A directory is not the network: an air-gapped copy of the feeds may be read."""
    url = write_mirror(feeds.files, tmp_path / "copy")
    code, doc, err = scan(capsys, "--offline", "--mirror", url, image)
    assert code == 0, err
    assert FINDING in rule_ids(doc) and feeds.hits == {}


@pytest.mark.parametrize(("days", "argv", "refreshed"), [
    (3, [], False),  # the default limit is 7 days
    (3, ["--max-db-age", "2d"], True),
    (30, [], True),
])  # fmt: skip
def test_old_database_is_refreshed_when_online(feeds, first_run, image, capsys, days, argv,
                                               refreshed):  # fmt: skip
    assert scan(capsys, "--mirror", feeds.url, image)[0] == 0
    age(first_run, days)
    before = built(first_run)
    code, doc, err = scan(capsys, "--mirror", feeds.url, *argv, image)
    assert code == 0, err
    assert (built(first_run) != before) == refreshed
    assert feeds.hits[PYPI] == (2 if refreshed else 1)
    assert ("refreshing it from" in err) == refreshed
    assert not [w for w in doc["warnings"] if "vulnerability database is" in w["message"]]


def test_old_database_is_kept_when_the_refresh_fails(feeds, first_run, image, capsys, tmp_path):
    assert scan(capsys, "--mirror", feeds.url, image)[0] == 0
    age(first_run, 30)
    before = first_run.read_bytes()
    empty = write_mirror({}, tmp_path / "empty")
    code, doc, err = scan(capsys, "--mirror", empty, image)
    assert code == 0, err
    assert "dockwise: warning: cannot refresh the vulnerability database (no feed could be " \
        "fetched" in err  # fmt: skip
    assert "dockwise: warning: the vulnerability database is 30 days old" in err
    assert any("30 days old" in w["message"] and "run `dockwise db update`" in w["message"]
               for w in doc["warnings"])  # fmt: skip
    assert FINDING in rule_ids(doc) and first_run.read_bytes() == before


def test_old_database_offline_is_kept_without_network(feeds, first_run, image, capsys):
    assert scan(capsys, "--mirror", feeds.url, image)[0] == 0
    age(first_run, 30)
    code, doc, err = scan(capsys, "--offline", "--mirror", feeds.url, image)
    assert code == 0, err
    assert feeds.hits[PYPI] == 1 and "refreshing" not in err
    assert any("30 days old" in w["message"] and "import a newer bundle" in w["message"]
               for w in doc["warnings"])  # fmt: skip


def test_bad_max_db_age_is_one_line(first_run, image, capsys):
    code, _, err = scan(capsys, "--max-db-age", "soon", image)
    assert code == 2
    assert err == "dockwise: error: --max-db-age 'soon': expected e.g. 7d, 36h, 2w\n"
    assert not first_run.exists()
