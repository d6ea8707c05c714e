"""`dockwise outdated` and `dockwise rebuild` on an image built from the test archive's
release suite, against that archive's -updates and -security suites (served on loopback,
signed)."""

from __future__ import annotations

import json
import tarfile

import pytest
from aptarchive import SUITE
from built_image import CVE, run_build, write_spec
from corpus import fresh

from dockwise import cli
from dockwise.build.indices import apt_state, madison
from dockwise.vulndb.store import DbWriter


@pytest.fixture(scope="module")
def image(tmp_path_factory, mirror, archive, db) -> str:
    work = tmp_path_factory.mktemp("old")
    assert run_build(write_spec(work, mirror, archive), work / "old.tar", db) == 0
    return f"oci-archive:{work / 'old.tar'}"


def outdated(capsys, image, mirror, archive, db, *suites: str) -> tuple[int, dict]:
    sources = [arg for suite in suites for arg in ("--sources", f"deb {mirror}/ {suite} main")]
    capsys.readouterr()
    code = cli.main(["outdated", image, *sources, "--keyring", str(archive.keyring),
                     "--db", db, "-q", "-f", "json"])  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def test_a_security_fix_available_exits_1_and_names_the_advisory(image, mirror, archive, db,
                                                                  capsys):  # fmt: skip
    code, report = outdated(capsys, image, mirror, archive, db,
                            SUITE, f"{SUITE}-updates", f"{SUITE}-security")  # fmt: skip
    assert code == 1
    assert report["upgrades"] == [
        {"package": "demo-app", "installed": "1.0-1", "available": "1.1-1",
         "suite": f"{SUITE}-security", "fixes": [CVE], "security": True},
        {"package": "demo-lib", "installed": "1.0-1", "available": "1.0-2",
         "suite": f"{SUITE}-updates", "fixes": [], "security": False},
    ]  # fmt: skip


def test_only_point_updates_exit_0(image, mirror, archive, db, capsys):
    code, report = outdated(capsys, image, mirror, archive, db, SUITE, f"{SUITE}-updates")
    assert code == 0
    assert [u["package"] for u in report["upgrades"]] == ["demo-lib"]


def test_an_unreachable_archive_is_one_line(image, archive, db, capsys):
    code = cli.main(["outdated", image, "--sources", "deb http://127.0.0.1:9/ bookworm main",
                     "--keyring", str(archive.keyring), "--db", db, "-q"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot read the archive" in err[0]


def rebuild(capsys, image, spec, output, db) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["rebuild", str(spec), "--previous", image, "--output", str(output),
                     "--db", db, "-q"])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_rebuild_with_the_security_fix_shows_the_upgrade_and_the_fix(
    image, tmp_path, mirror, archive, db, capsys
):
    suites = (SUITE, f"{SUITE}-updates", f"{SUITE}-security")
    spec = write_spec(tmp_path, mirror, archive, suites=suites)
    code, out, err = rebuild(capsys, image, spec, tmp_path / "new.tar", db)
    assert code == 0 and (tmp_path / "new.tar").is_file()
    assert "demo-app" in out and "1.0-1" in out and "1.1-1" in out and CVE in out
    assert "changed: a new digest" in err


def test_rebuild_of_an_unchanged_package_set_says_same_digest(image, tmp_path, mirror,
                                                              archive, db, capsys):  # fmt: skip
    spec = write_spec(tmp_path, mirror, archive)
    code, _, err = rebuild(capsys, image, spec, tmp_path / "same", db)
    digest = image_digest(image)
    assert code == 0 and f"unchanged: the same digest {digest}" in err


def image_digest(source: str) -> str:
    with tarfile.open(source.removeprefix("oci-archive:")) as tar:
        index = json.loads(tar.extractfile("index.json").read())
    return next(m["digest"] for m in index["manifests"] if "artifactType" not in m)


@pytest.fixture(scope="module")
def store(tmp_path_factory, image, db) -> str:
    """A fleet store (SQLite) holding the image built from the release suite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fleet') / 'fleet.db'}"
    assert cli.main(["fleet", "add", image, "--db", db, "--store", url, "-q"]) == 0
    return url


def fleet_status(capsys, store, archive, *flags: str) -> tuple[dict, str]:
    """The one image's `fleet status --check-archive` JSON line, and stderr."""
    capsys.readouterr()
    code = cli.main(["fleet", "status", "--store", store, "--check-archive", "--keyring",
                     str(archive.keyring), "-f", "json", *flags])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    [line] = json.loads(captured.out)
    return line, captured.err


def suites(mirror, *names: str) -> list[str]:
    return [arg for suite in names for arg in ("--sources", f"deb {mirror}/ {suite} main")]


def test_fleet_status_says_the_archive_has_a_security_fix(store, mirror, archive, capsys):
    every = suites(mirror, SUITE, f"{SUITE}-updates", f"{SUITE}-security")
    line, _ = fleet_status(capsys, store, archive, *every)
    assert line["archive"] == "fixes"
    assert f"the archive has fixes: demo-app 1.1-1 ({SUITE}-security)" in line["rebuild"]
    assert [(u["package"], u["available"], u["fixes"]) for u in line["upgrades"]] == [
        ("demo-app", "1.1-1", [CVE]), ("demo-lib", "1.0-2", [])]  # fmt: skip


def test_fleet_status_without_the_security_suite_has_no_archive_reason(store, mirror, archive,
                                                                       capsys):  # fmt: skip
    line, _ = fleet_status(capsys, store, archive, *suites(mirror, SUITE, f"{SUITE}-updates"))
    assert line["archive"] == "upgrades"
    assert [u["package"] for u in line["upgrades"]] == ["demo-lib"]
    assert not any(r.startswith("the archive has") for r in line["rebuild"])


def test_fleet_status_of_a_current_image_has_no_archive_reason(store, mirror, archive, capsys):
    line, _ = fleet_status(capsys, store, archive, *suites(mirror, SUITE))
    assert line["archive"] == "current" and line["upgrades"] == []
    assert not any(r.startswith("the archive has") for r in line["rebuild"])


@pytest.mark.parametrize(("flags", "why"), [
    (("--sources", "deb http://127.0.0.1:9/ bookworm main"), "cannot read the archive"),
    (("--offline",), "offline"),
])  # fmt: skip
def test_fleet_status_with_an_unread_archive_says_not_checked(store, archive, capsys, flags,
                                                              why):  # fmt: skip
    line, err = fleet_status(capsys, store, archive, *flags)
    assert line["archive"].startswith(f"not checked: {why}")
    assert not any(r.startswith("the archive has") for r in line["rebuild"])
    assert f"archive not checked: {why}" in err


def test_fleet_status_table_has_the_archive_column(store, mirror, archive, capsys):
    capsys.readouterr()
    code = cli.main(["fleet", "status", "--store", store, "--check-archive", "--keyring",
                     str(archive.keyring), *suites(mirror, SUITE)])  # fmt: skip
    header, row = capsys.readouterr().out.splitlines()
    assert code == 0 and header.split()[-2:] == ["ARCHIVE", "REBUILD"]
    assert "  current  " in row


def test_the_last_archive_check_is_kept_for_status_offline(store, mirror, archive, capsys):
    every = suites(mirror, SUITE, f"{SUITE}-updates", f"{SUITE}-security")
    checked, _ = fleet_status(capsys, store, archive, *every)
    unread, _ = fleet_status(capsys, store, archive, "--offline")  # keeps the last answer
    assert unread["archive"] == "not checked: offline"
    assert cli.main(["fleet", "status", "--store", store, "--offline", "-f", "json"]) == 0
    [line] = json.loads(capsys.readouterr().out)
    assert (line["archive"], line["upgrades"]) == ("fixes", checked["upgrades"])
    assert line["archive_checked"] and checked["archive_checked"] == ""
    assert f"the archive has fixes: demo-app 1.1-1 ({SUITE}-security)" in line["rebuild"]
    assert cli.main(["fleet", "status", "--store", store, "--offline"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-2:] == ["ARCHIVE", "REBUILD"] and "  fixes  " in row


@pytest.fixture(scope="module")
def unmatched_store(tmp_path_factory, image) -> str:
    """The image in a store matched against a database without advisories: only the
    archive can say it needs a rebuild."""
    work = tmp_path_factory.mktemp("unmatched")
    DbWriter(work / "empty.db").finish({"built": fresh()})
    url = f"sqlite:///{work / 'fleet.db'}"
    assert cli.main(["fleet", "add", image, "--db", str(work / "empty.db"), "--store", url,
                     "-q"]) == 0  # fmt: skip
    return url


def test_the_archive_alone_decides_rebuild_and_an_unread_one_is_never_no(
    unmatched_store, mirror, archive, capsys
):
    every = suites(mirror, SUITE, f"{SUITE}-updates", f"{SUITE}-security")
    line, _ = fleet_status(capsys, unmatched_store, archive, *every)
    assert line["rebuild"] == [f"the archive has fixes: demo-app 1.1-1 ({SUITE}-security)"]
    capsys.readouterr()
    assert cli.main(["fleet", "status", "--store", unmatched_store, "--check-archive",
                     "--offline"]) == 0  # fmt: skip
    [row] = capsys.readouterr().out.splitlines()[1:]
    assert row.endswith("  not checked  archive not checked")


def test_a_hostile_package_name_is_not_an_apt_option(mirror, archive):
    """apt reads options anywhere on its command line: `-x` would fail madison."""
    with apt_state((f"deb {mirror}/ {SUITE} main",), str(archive.keyring), "amd64") as apt:
        found = madison(apt, ["demo-app", "-x", "--version"])
    assert {c.package for c in found} == {"demo-app"}
