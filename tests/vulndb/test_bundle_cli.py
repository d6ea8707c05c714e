"""`dockwise db status|export|import|update` through `cli.main`, and bundle integrity."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.bundle import export_bundle
from dockwise.vulndb.store import VulnDb


@pytest.fixture
def db(built, tmp_path) -> Path:
    """A private copy of the shared build, safe to age or replace."""
    path = tmp_path / "db" / "dockwise.db"
    path.parent.mkdir()
    shutil.copyfile(built, path)
    return path


def _set_built(path: Path, when: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'built'", (when,))


def test_status_table(db, capsys):
    assert main(["db", "status", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"database: {db} (")
    assert "kev             known_exploited_vulnerabilities.json     ok            1404" in out
    assert "osv             Wolfi/all.zip                            missing" in out
    assert err == ""


def test_status_old_database_warns_but_succeeds(db, capsys):
    _set_built(db, "2020-01-01T00:00:00Z")
    assert main(["db", "status", "--db", str(db), "--max-age", "36h"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("dockwise: warning: the database is ")
    assert "days old (more than 36h); run `dockwise db update`" in err


def test_status_json(db, capsys, monkeypatch):
    monkeypatch.setenv("DOCKWISE_DB", str(db))
    assert main(["db", "status", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["counts"]["kev"] == 1404 and body["partial"] is False
    assert {f["feed"] for f in body["feeds"]} >= {"osv", "debian-tracker", "epss"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["db", "status", "--db", "/nonexistent/x.db"], "no vulnerability database"),
        (["db", "status", "--max-age", "soon", "--db", "x"], "--max-age 'soon'"),
        (["db", "import", "/nonexistent/b.tar.zst", "--db", "x"], "no such file"),
    ],
    ids=["no_database", "bad_max_age", "no_bundle"],
)
def test_errors_are_one_line_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_export_import_round_trip(db, tmp_path, capsys):
    bundle = tmp_path / "dockwise-db.tar.zst"
    assert main(["db", "export", str(bundle), "--db", str(db)]) == 0
    target = tmp_path / "elsewhere" / "dockwise.db"
    assert main(["db", "import", str(bundle), "--db", str(target)]) == 0
    assert target.read_bytes() == db.read_bytes()
    with VulnDb(target) as imported:
        assert imported.query("PyPI", "requests")
    assert "imported" in capsys.readouterr().err


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_bundle_and_imported_database_get_the_umask_mode(db, tmp_path, umask, mode):
    """Neither holds a secret: readable as any file this user writes, not 0600."""
    bundle, target = tmp_path / "b.tar.zst", tmp_path / "elsewhere" / "dockwise.db"
    old = os.umask(umask)
    try:
        assert main(["db", "export", str(bundle), "--db", str(db)]) == 0
        assert main(["db", "import", str(bundle), "--db", str(target)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(bundle.stat().st_mode) == mode
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_bundle_is_refused_and_keeps_the_database(db, tmp_path, capsys, damage):
    bundle = tmp_path / "b.tar.zst"
    export_bundle(db, bundle)
    data = bundle.read_bytes()
    damaged = {
        "truncate": data[: len(data) // 2],
        "flip": data[:-5000] + bytes([data[-5000] ^ 0xFF]) + data[-4999:],
        "garbage": b"PK\x03\x04 definitely not a bundle",
    }[damage]
    bundle.write_bytes(damaged)
    before = db.read_bytes()
    assert main(["db", "import", str(bundle), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dockwise: error: {bundle}: ") and err.count("\n") == 1
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["dockwise.db"]


def test_bundle_manifest(db, tmp_path):
    manifest = export_bundle(db, tmp_path / "b.tar.zst")
    assert manifest["format"] == "dockwise-db-bundle"
    assert manifest["database"]["size"] == db.stat().st_size
    with VulnDb(db) as opened:
        assert manifest["built"] == opened.meta["built"]


def test_import_refuses_a_bundle_of_a_non_database(tmp_path):
    fake = tmp_path / "fake.db"
    fake.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(VulnDbError, match="not a dockwise database"):
        export_bundle(fake, tmp_path / "b.tar.zst")


def test_update_through_the_cli(mirror, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DOCKWISE_DB", raising=False)
    assert main(["db", "update", "--mirror", mirror.url, "-q"]) == 0
    err = capsys.readouterr().err
    assert "dockwise: warning: osv: 6 of 18 files not on the server" in err
    assert (tmp_path / "cache" / "dockwise" / "db" / "dockwise.db").is_file()


def test_update_with_nothing_reachable_is_exit_2(tmp_path, capsys):
    db = tmp_path / "x.db"
    assert main(["db", "update", "--mirror", "http://127.0.0.1:9", "--db", str(db), "-q"]) == 2
    assert "no feed could be fetched" in capsys.readouterr().err
    assert not db.exists()


def test_update_and_status_count_the_same_things(mirror, tmp_path, capsys, monkeypatch):
    for path in [p for p in mirror.files if p.startswith("/osv/")]:
        if path not in ("/osv/PyPI/all.zip", "/osv/Debian/all.zip"):
            del mirror.files[path]
    monkeypatch.setenv("DOCKWISE_MIRROR", mirror.url)  # db update reads it too
    db = tmp_path / "dockwise.db"
    assert main(["db", "update", "--db", str(db), "-q"]) == 0
    updated = capsys.readouterr().err.splitlines()[-1]
    assert main(["db", "status", "--db", str(db)]) == 0
    holds = capsys.readouterr().out.splitlines()[2]
    with VulnDb(db) as opened:
        counts = opened.counts()
    phrase = (f"{counts['advisories']} advisories, {counts['affects']} package entries, "
              f"{counts['kev']} KEV, {counts['epss']} EPSS, {counts['nvd']} NVD CVEs")  # fmt: skip
    assert updated.startswith(f"database updated: {db}: {phrase}, in ")
    assert holds == f"holds:    {phrase}"
    assert counts["advisories"] > 0 and mirror.hits["/osv/PyPI/all.zip"] == 1


def test_dockwise_offline_forbids_update_from_the_network(mirror, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    db = tmp_path / "x.db"
    assert main(["db", "update", "--mirror", mirror.url, "--db", str(db), "-q"]) == 2
    assert capsys.readouterr().err == (
        "dockwise: error: $DOCKWISE_OFFLINE forbids downloading the feeds; use --mirror "
        "file://DIR or `dockwise db import BUNDLE`\n"
    )
    assert mirror.hits == {} and not db.exists()
