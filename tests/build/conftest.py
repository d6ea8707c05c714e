"""The signed apt archive (served on loopback) and the vulnerability database that the
tests of `dockwise build` and `dockwise outdated` share."""

from __future__ import annotations

import pytest
from aptarchive import SUITE, Archive, Deb, make_archive, serve
from built_image import CVE, DEBS, TOOL_CVE
from corpus import fresh

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.store import DbWriter

# what `dockwise outdated` finds newer: a security fix of demo-app (which drops a plugin
# 1.0-1 had, and has a postinst that `patch` must not run), a point update of demo-lib
SECURITY = [Deb("demo-app", "1.1-1", {"usr/bin/demo-app": "#!/bin/sh\necho fixed\n",
                                      "usr/share/doc/demo-app/copyright": "GPL\n",
                                      "usr/share/doc/demo-app/changelog": "pruned\n"},
                depends="demo-lib (>= 1.0)", executables=("usr/bin/demo-app",),
                scripts={"postinst": "#!/bin/sh\nexit 1\n"})]  # fmt: skip
UPDATES = [Deb("demo-lib", "1.0-2", {"usr/lib/x86_64-linux-gnu/libdemo.so.1": "newer\n"})]
# for `patch` only (no build installs them): demo-tool's fix needs a package it lacked,
# and trixie (another release) has a fix of demo-app
TOOL = Deb("demo-tool", "1.0-1", {"usr/bin/demo-tool": "old\n"})
TOOL_FIX = [Deb("demo-tool", "1.1-1", {"usr/bin/demo-tool": "new\n"}, depends="demo-helper"),
            Deb("demo-helper", "1.0-1", {"usr/bin/demo-helper": "helper\n"})]  # fmt: skip
TRIXIE = [Deb("demo-app", "2.0-1", {"usr/bin/demo-app": "#!/bin/sh\necho trixie\n"})]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("apt")
    suites = {SUITE: [*DEBS, TOOL], f"{SUITE}-updates": UPDATES,
              f"{SUITE}-security": [*SECURITY, *TOOL_FIX], "trixie": TRIXIE}  # fmt: skip
    return make_archive(root / "archive", suites, root / "gnupg")


@pytest.fixture(scope="module")
def mirror(archive):
    with serve(archive.root) as url:
        yield url


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    """demo-app before 1.1-1 is critical, so `--fail-on` has work; demo-tool before 1.1-1
    is medium (`patch` only)."""
    path = tmp_path_factory.mktemp("db") / "vulns.db"
    writer = DbWriter(path)
    affected = Affected("Debian:12", "demo-app", (Range("ECOSYSTEM", (("introduced", "0"),
                        ("fixed", "1.1-1"))),), status="fixed", severity="high")  # fmt: skip
    cvss = (("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),)
    writer.add_advisory(Advisory(CVE, "debian-tracker", affected=(affected,), cvss=cvss))
    tool = Affected("Debian:12", "demo-tool", (Range("ECOSYSTEM", (("introduced", "0"),
                    ("fixed", "1.1-1"))),), status="fixed", severity="medium")  # fmt: skip
    writer.add_advisory(Advisory(TOOL_CVE, "debian-tracker", affected=(tool,)))
    writer.finish({"built": fresh()})
    return str(path)


@pytest.fixture(autouse=True)
def no_epoch(monkeypatch):
    """The build time comes from the newest package unless a test sets it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


