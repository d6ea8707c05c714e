"""Coverage (issue 13, item 1): each package group's state from what the database holds,
owned packages counted through their owner, and the counts the database keeps at build
time. Hand-built inventories and databases: every state is reached on purpose."""

from __future__ import annotations

import sqlite3

from dockwise.checks.vulns.coverage import assess
from dockwise.model import DatabaseInfo, Distro, Inventory, Package
from dockwise.vulndb.advisory import Advisory, Affected
from dockwise.vulndb.coverage import DatabaseCoverage, database_coverage
from dockwise.vulndb.store import ECOSYSTEMS_KEY, DbWriter, VulnDb

BOOKWORM = Distro("debian", "12", "bookworm")
DEB = "pkg:deb/debian/{}@1.0?arch=amd64&distro=debian-12"


def deb(name: str, purl: str | None = None) -> Package:
    return Package(name, "1.0", "deb", DEB.format(name) if purl is None else purl)


def holding(advisories: dict[str, int], *files: tuple[str, str, str]) -> DatabaseCoverage:
    return DatabaseCoverage(DatabaseInfo("test.db"), advisories, files)


def by_label(groups) -> dict:
    return {g.label: g for g in groups}


def test_a_release_without_advisories_is_no_data_and_says_so_in_words():
    inventory = Inventory(
        BOOKWORM,
        (
            deb("bash"),
            deb("curl"),
            Package("requests", "2.30.0", "pypi", "pkg:pypi/requests@2.30.0"),
        ),
    )
    groups = by_label(assess(inventory, holding({"PyPI": 3, "Debian:11": 7})))
    debian = groups["Debian 12"]
    assert (debian.state, debian.packages, debian.ecosystems, debian.advisories) == (
        "no data for this release", 2, ("Debian:12",), 0)  # fmt: skip
    assert debian.sentence == (
        "unknown for 2 Debian 12 packages: the database has no Debian 12 advisories"
    )
    assert (groups["PyPI"].state, groups["PyPI"].advisories) == ("covered", 3)


def test_a_missing_feed_file_uncovers_its_ecosystems_even_with_other_records():
    files = (("osv", "Debian/all.zip", "missing"), ("debian-tracker", "json", "ok"),
             ("osv", "PyPI/all.zip", "ok"))  # fmt: skip
    groups = by_label(
        assess(Inventory(BOOKWORM, (deb("bash"),)), holding({"Debian:12": 5}, *files))
    )
    assert groups["Debian 12"].state == "feed missing or failed"
    assert "osv Debian/all.zip (missing)" in groups["Debian 12"].reason


def test_alpine_secdb_files_count_per_release():
    alpine = Distro("alpine", "3.19.1")
    pkg = Package("musl", "1.2.4-r2", "apk", "pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.19.1")
    files = (
        ("alpine-secdb", "v3.18/main.json", "failed"),
        ("alpine-secdb", "v3.19/main.json", "ok"),
    )
    (group,) = assess(Inventory(alpine, (pkg,)), holding({"Alpine:v3.19": 4}, *files))
    assert (group.label, group.state) == ("Alpine 3.19.1", "covered")


def test_language_packages_an_os_package_installed_count_in_its_group():
    go = deb("runc")
    stdlib = Package("stdlib", "go1.21.5", "golang", "pkg:golang/stdlib@go1.21.5", owned_by=go.key)
    (group,) = assess(Inventory(BOOKWORM, (go, stdlib)), holding({}))
    assert (group.label, group.packages, group.owned) == ("Debian 12", 1, 1)
    assert group.sentence.startswith("unknown for 1 Debian 12 package (and 1 they installed): ")


def test_unsupported_types_and_releases_and_release_less_os_packages():
    inventory = Inventory(
        None,
        (deb("bash", "pkg:deb/debian/bash@1.0"),  # no qualifier, no os-release
         Package("python", "3.11.2", "runtime"),
         Package("glibc", "2.38", "rpm", "pkg:rpm/arch/glibc@2.38?distro=arch-2024.01")),
    )  # fmt: skip
    groups = by_label(assess(inventory, holding({"Debian:12": 1})))
    assert {label: g.state for label, g in groups.items()} == {
        "deb (release unknown)": "not supported",
        "arch 2024.01": "not supported",
        "runtime": "not supported",
    }
    assert (
        "neither the package's purl nor the image names one"
        in groups["deb (release unknown)"].reason
    )


def test_the_database_counts_advisories_per_ecosystem_when_it_is_built(tmp_path):
    path = tmp_path / "v.db"
    writer = DbWriter(path)
    writer.add_advisory(
        Advisory(
            "DSA-1",
            "debian-dsa",
            affected=(Affected("Debian:12", "bash"), Affected("Debian:11", "bash")),
        )
    )
    writer.add_advisory(Advisory("DSA-2", "debian-dsa", affected=(Affected("Debian:12", "curl"),)))
    writer.add_feed_file({"feed": "debian-dsa", "path": "DSA/list", "url": "u", "fetched": "t",
                          "records": 2, "skipped": 0, "bytes": 1, "sha256": "", "status": "ok",
                          "detail": ""})  # fmt: skip
    writer.finish({"built": "2026-12-01T00:00:00Z", "partial": "true"})
    with VulnDb(path) as db:
        assert db.meta[ECOSYSTEMS_KEY] == '{"Debian:11": 1, "Debian:12": 2}'
        held = database_coverage(db)
    assert held.advisories == {"Debian:11": 1, "Debian:12": 2}
    assert (held.info.schema, held.info.built, held.info.partial) == (
        "1",
        "2026-12-01T00:00:00Z",
        True,
    )
    assert [(f.name, f.status, f.records, f.files) for f in held.info.feeds] == [
        ("debian-dsa", "ok", 2, 1)
    ]


def test_a_database_without_usable_counts_is_counted_when_read(tmp_path):
    path = tmp_path / "v.db"
    writer = DbWriter(path)
    writer.add_advisory(Advisory("GHSA-1", "osv:PyPI", affected=(Affected("PyPI", "django"),)))
    writer.finish({"built": "2026-12-01T00:00:00Z"})
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM meta WHERE key = ?", (ECOSYSTEMS_KEY,))
    with VulnDb(path) as db:
        assert ECOSYSTEMS_KEY not in db.meta
        assert db.ecosystem_counts() == {"PyPI": 1}
    for damaged in ("{not json", '{"PyPI": "many"}', "[]"):
        with sqlite3.connect(path) as raw:
            raw.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (ECOSYSTEMS_KEY, damaged))
        with VulnDb(path) as db:
            assert db.ecosystem_counts() == {"PyPI": 1}
