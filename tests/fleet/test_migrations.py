"""A store made by the first schema revision opens with its data under the newest one."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from dockwise.fleet import queries
from dockwise.fleet.store import migrate, open_fleet

FIRST = "0001"
LATEST = "0009"


def test_upgrading_a_first_revision_store_keeps_its_data(store_url):
    with open_fleet(store_url, revision=FIRST) as fleet, fleet.engine.begin() as connection:
        tables = sa.inspect(connection).get_table_names()
        assert "notifications" not in tables  # truly the first schema
        connection.execute(sa.text(
            "INSERT INTO images (digest, config_digest, os, architecture, created, distro_id,"
            " distro_version, distro_codename, analyzer_version, result_digest, first_seen,"
            " last_scanned) VALUES ('sha256:aa', 'sha256:bb', 'linux', 'amd64', '', 'debian',"
            " '12', 'bookworm', '0.0.1', 'sha256:cc', 'then', 'then')"))  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO packages (key, purl, type, name, version, source_name, source_version)"
            " VALUES ('pkg:deb/debian/gzip@1.12-1', 'pkg:deb/debian/gzip@1.12-1', 'deb',"
            " 'gzip', '1.12-1', '', '')"))  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO image_packages (image_id, package_id, owned_by) "
            "SELECT images.id, packages.id, '' FROM images, packages"))  # fmt: skip
    with open_fleet(store_url) as fleet, fleet.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT i.digest, i.matched_release, p.name FROM images i JOIN image_packages ip"
            " ON ip.image_id = i.id JOIN packages p ON p.id = ip.package_id")).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [("sha256:aa", None, "gzip")]
        assert connection.execute(sa.text("SELECT count(*) FROM notifications")).scalar() == 0
        base = connection.execute(sa.text("SELECT base_name, base_digest, base_latest FROM images"))
        assert [tuple(r) for r in base] == [("", "", None)]  # 0004: no base known, unchecked
        assert connection.execute(sa.text("SELECT count(*) FROM discovered")).scalar() == 0
        archive = connection.execute(sa.text("SELECT archive_state, archive_checked FROM images"))
        assert [tuple(r) for r in archive] == [(None, None)]  # 0007: never checked
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert version.scalar() == LATEST


def test_0005_names_each_stored_image_by_its_latest_reference(store_url):
    with open_fleet(store_url, revision="0004") as fleet, fleet.engine.begin() as connection:
        _images(connection, "sha256:aa", "sha256:dd")
        connection.execute(sa.text(
            "INSERT INTO image_references (image_id, registry, repository, tag, first_seen,"
            " last_seen) SELECT id, 'example.org', 'app', tag, '2026', seen FROM images,"
            " (SELECT '1' AS tag, '2026-01' AS seen UNION ALL SELECT '2', '2026-02') AS t"
            " WHERE digest = 'sha256:aa'"))  # fmt: skip
    with open_fleet(store_url) as fleet, fleet.engine.connect() as connection:
        names = connection.execute(sa.text("SELECT digest, name FROM images ORDER BY digest"))
        assert [tuple(r) for r in names] == [("sha256:aa", "example.org/app:2"),
                                             ("sha256:dd", "")]  # fmt: skip


def test_opening_a_current_store_again_changes_nothing(store_url):
    with open_fleet(store_url) as fleet:
        before = sa.inspect(fleet.engine).get_table_names()
        migrate(fleet.engine)
        assert sa.inspect(fleet.engine).get_table_names() == before


def test_processes_opening_a_new_store_together_migrate_it_once(store_url):
    """A server and its workers started at once on an empty database: each opens the
    store and they take turns (PostgreSQL's advisory lock, SQLite's write lock)."""
    code = "import sys; from dockwise.fleet.store import open_fleet; open_fleet(sys.argv[1])"
    started = [subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE)
               for _ in range(4)]  # fmt: skip
    errors = [p.communicate(timeout=120)[1].decode() for p in started]
    assert [p.returncode for p in started] == [0] * 4, errors
    with open_fleet(store_url) as fleet, fleet.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_0006_keeps_the_reverse_index_in_a_table_without_rowid(store_url):
    with open_fleet(store_url, revision="0005") as fleet, fleet.engine.begin() as connection:
        _one_image_with_two_packages(connection)
    with open_fleet(store_url) as fleet, fleet.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT p.name, ip.owned_by, ip.layer FROM image_packages ip JOIN packages p"
            " ON p.id = ip.package_id ORDER BY p.name"))  # fmt: skip
        assert [tuple(r) for r in rows] == [("a", "a", 2), ("b", "b", 2)]
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes("findings")}
        assert "findings_image_status" not in indexes
        if fleet.backend == "sqlite":
            sql = connection.execute(sa.text(
                "SELECT sql FROM sqlite_master WHERE name = 'image_packages'")).scalar()
            assert "WITHOUT ROWID" in sql


def test_0008_moves_titles_and_aliases_to_one_row_per_vulnerability(store_url):
    with open_fleet(store_url, revision="0007") as fleet, fleet.engine.begin() as connection:
        _images(connection, "sha256:aa", "sha256:dd")
        connection.execute(sa.text(
            "INSERT INTO packages (key, purl, type, name, version, source_name, source_version)"
            " VALUES ('a', '', 'deb', 'a', '1', '', '')"))  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO db_releases (digest, built, recorded, counts) VALUES ('r', '', '', '{}')"))
        connection.execute(sa.text(
            "INSERT INTO findings (image_id, package_id, vuln_id, aliases, title, severity,"
            " fixed_version, fix_status, kev, status, first_release, last_release)"
            " SELECT images.id, packages.id, v.id, v.aliases, 'Overflow in a', 3, '', 'fixed',"
            " false, 'open', db_releases.id, db_releases.id FROM images, packages, db_releases,"
            " (SELECT 'DSA-1' AS id, 'CVE-2026-1 CVE-2026-2' AS aliases"
            " UNION ALL SELECT 'CVE-2026-3', '') AS v"))  # fmt: skip
    with open_fleet(store_url) as fleet, fleet.engine.connect() as connection:
        described = connection.execute(sa.text(
            "SELECT vuln_id, aliases, title FROM vulnerabilities ORDER BY vuln_id"))  # fmt: skip
        assert [tuple(r) for r in described] == [
            ("CVE-2026-3", "", "Overflow in a"), ("DSA-1", "CVE-2026-1 CVE-2026-2", "Overflow in a")
        ]  # fmt: skip
        columns = {c["name"] for c in sa.inspect(connection).get_columns("findings")}
        assert "title" not in columns and "aliases" not in columns
        assert connection.execute(sa.text("SELECT count(*) FROM findings")).scalar() == 4
        found = [(a.name, a.vuln_id) for a in queries.affected(fleet, "CVE-2026-2")]
        assert found == [("sha256:aa", "DSA-1"), ("sha256:dd", "DSA-1")]  # by alias


def test_0009_keeps_the_reverse_index_unique_with_one_btree_on_postgresql(store_url):
    with open_fleet(store_url, revision="0008") as fleet, fleet.engine.begin() as connection:
        _one_image_with_two_packages(connection)
    with open_fleet(store_url) as fleet:
        with fleet.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT package_id FROM image_packages WHERE image_id ="
                " (SELECT id FROM images WHERE digest = 'sha256:aa')")).scalars().all()  # fmt: skip
            assert len(rows) == 2
            indexes = {i["name"]: i for i in sa.inspect(connection).get_indexes("image_packages")}
            if fleet.backend == "postgresql":
                assert indexes["image_packages_package"]["unique"]
                assert "image_packages_image" in indexes
                assert not sa.inspect(connection).get_pk_constraint("image_packages")[
                    "constrained_columns"]  # fmt: skip
        with pytest.raises(sa.exc.IntegrityError), fleet.engine.begin() as connection:
            connection.execute(sa.text(  # the same image and package twice: still refused
                "INSERT INTO image_packages (image_id, package_id, owned_by, layer) "
                "SELECT image_id, package_id, owned_by, layer FROM image_packages"))  # fmt: skip


def _images(connection: sa.Connection, *digests: str) -> None:
    """Stored images with nothing but their digests (the columns every revision has)."""
    connection.execute(sa.text(
        "INSERT INTO images (digest, config_digest, os, architecture, created, distro_id,"
        " distro_version, distro_codename, analyzer_version, result_digest, first_seen,"
        " last_scanned) VALUES (:digest, '', 'linux', 'amd64', '', '', '', '', '1',"
        " 'sha256:cc', 'then', 'then')"), [{"digest": d} for d in digests])  # fmt: skip


def _one_image_with_two_packages(connection: sa.Connection) -> None:
    """sha256:aa holding packages a and b (layer 2, each owned by itself)."""
    _images(connection, "sha256:aa")
    connection.execute(sa.text(
        "INSERT INTO packages (key, purl, type, name, version, source_name, source_version)"
        " VALUES ('a', '', 'deb', 'a', '1', '', ''), ('b', '', 'deb', 'b', '1', '', '')"))
    connection.execute(sa.text(
        "INSERT INTO image_packages (image_id, package_id, owned_by, layer) "
        "SELECT images.id, packages.id, packages.name, 2 FROM images, packages"))  # fmt: skip
