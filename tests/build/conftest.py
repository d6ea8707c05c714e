"""The signed apt archive (served on loopback) and the vulnerability database that the
tests of `dockwise build` and `dockwise outdated` share."""

from __future__ import annotations

import pytest
from aptarchive import SUITE, Archive, Deb, make_archive, serve
from built_image import CVE, DEBS
from corpus import fresh

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.store import DbWriter

# what `dockwise outdated` finds newer: a security fix of demo-app, a point update of demo-lib
SECURITY = [Deb("demo-app", "1.1-1", {"usr/bin/demo-app": "#!/bin/sh\necho fixed\n"},
                depends="demo-lib (>= 1.0)", executables=("usr/bin/demo-app",))]
UPDATES = [Deb("demo-lib", "1.0-2", {"usr/lib/x86_64-linux-gnu/libdemo.so.1": "newer\n"})]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("apt")
    suites = {SUITE: DEBS, f"{SUITE}-updates": UPDATES, f"{SUITE}-security": SECURITY}
    return make_archive(root / "archive", suites, root / "gnupg")


@pytest.fixture(scope="module")
def mirror(archive):
    with serve(archive.root) as url:
        yield url


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    """One advisory: demo-app before 1.1-1 is critical, so `--fail-on` has work."""
    path = tmp_path_factory.mktemp("db") / "vulns.db"
    writer = DbWriter(path)
    affected = Affected("Debian:12", "demo-app", (Range("ECOSYSTEM", (("introduced", "0"),
                        ("fixed", "1.1-1"))),), status="fixed", severity="high")  # fmt: skip
    cvss = (("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),)
    writer.add_advisory(Advisory(CVE, "debian-tracker", affected=(affected,), cvss=cvss))
    writer.finish({"built": fresh()})
    return str(path)


@pytest.fixture(autouse=True)
def no_epoch(monkeypatch):
    """The build time comes from the newest package unless a test sets it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


