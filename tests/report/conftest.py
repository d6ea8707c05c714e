"""Hand-built results for the reporters, and golden-file comparison with --update-goldens.

The results are built here rather than by scanning an image, so reporter tests need
nothing but this file and stay independent of the sources and catalogers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from goldens import checker

from dockwise.model import (
    CoverageGroup,
    DatabaseInfo,
    Distro,
    FeedState,
    FileRecord,
    HistoryEntry,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanResult,
    ScanWarning,
)

BASE = LayerRef(
    index=0,
    diff_id="sha256:" + "1" * 64,
    digest="sha256:" + "a" * 64,
    created_by="/bin/sh -c #(nop) ADD file:6b0f2c1e in / ",
    size=29_150_000,
    uncompressed_size=80_400_384,
)
CURL = LayerRef(
    index=1,
    diff_id="sha256:" + "2" * 64,
    digest="sha256:" + "b" * 64,
    created_by=(
        "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl"
        " && rm -rf /var/lib/apt/lists/* # buildkit"
    ),
    size=4_321,
    uncompressed_size=10_240,
)
STATUS = "var/lib/dpkg/status"
# Terminal attacks and rich markup, as a hostile image would carry them.
ESC_TITLE = "demo\x1b]0;pwned\x07\x1b[2J"
MARKUP = "[bold red]admin[/]"
EVIL_NAME = "evil\x08\x08\x08\x08good"


def _deb(name: str, version: str, layer: LayerRef, **extra: object) -> Package:
    purl = f"pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"
    fields: dict = {
        "arch": "amd64",
        "found_by": "dpkg-db",
        "maintainer": "Debian Maintainers <debian@example.org>",
        "location": Location(STATUS, layer),
    }
    return Package(name, version, "deb", purl, **(fields | extra))


PACKAGES = (
    _deb("base-files", "12.4+deb12u5", BASE, licenses=("GPL-2.0-or-later",)),
    _deb(
        "libc6",
        "2.36-9+deb12u4",
        BASE,
        source_name="glibc",
        licenses=("LGPL-2.1", "GPL-2+"),
        files=("lib/x86_64-linux-gnu/libc.so.6", "usr/share/doc/libc6/copyright"),
    ),
    _deb(
        "openssl",
        "3.0.11-1~deb12u2",
        BASE,
        metadata=(("priority", "optional"), ("section", "utils")),
    ),
    _deb("curl", "7.88.1-10+deb12u5", CURL, licenses=("curl",)),
    _deb(EVIL_NAME, "1.0\x1b[31m", CURL, maintainer=MARKUP),
    Package(
        "certifi",
        "2022.9.24",
        "pypi",
        "pkg:pypi/certifi@2022.9.24",
        Location("usr/lib/python3/dist-packages/certifi-2022.9.24.egg-info", CURL),
        "python-installed",
        owned_by="pkg:deb/debian/python3-certifi@2022.9.24-1?arch=all&distro=debian-12",
    ),
)
FILES = (
    FileRecord(
        "usr/local/bin/agent",
        CURL,
        ("unowned-executable",),
        size=1_234_567,
        mode=0o100755,
        sha256="e" * 64,
        metadata=(("arch", "amd64"), ("linkage", "static")),
    ),
    FileRecord("usr/bin/su", BASE, ("setuid",), 70_000, 0o104755, "f" * 64, PACKAGES[1].purl),
)


def make_result() -> ScanResult:
    """A Debian 12 image of two layers: a base layer and one that installed curl."""
    config = RunConfig(
        user="",
        exposed_ports=("8080/tcp",),
        entrypoint=("/docker-entrypoint.sh",),
        cmd=("curl", "--help"),
        working_dir="/srv",
        env=(("PATH", "/usr/local/bin:/usr/bin:/bin"), ("API_TOKEN", "********")),
        labels=(("org.opencontainers.image.title", ESC_TITLE), ("maintainer", MARKUP)),
    )
    image = ImageInfo(
        source="docker-archive:demo.tar",
        scheme="docker-archive",
        manifest_digest="sha256:" + "c" * 64,
        config_digest="sha256:" + "d" * 64,
        repo_tags=("demo:latest",),
        os="linux",
        architecture="amd64",
        created="2024-05-01T12:00:00Z",
        config=config,
        history=(
            HistoryEntry(BASE.created_by, "2024-04-23T00:00:00Z", layer_index=0),
            HistoryEntry('/bin/sh -c #(nop)  CMD ["bash"]', empty_layer=True),
            HistoryEntry(CURL.created_by, "2024-05-01T12:00:00Z", layer_index=1),
        ),
        layers=(BASE, CURL),
    )
    distro = Distro(
        "debian", "12", "bookworm", "Debian GNU/Linux", "Debian GNU/Linux 12 (bookworm)"
    )
    warnings = (
        ScanWarning("truncated record skipped", STATUS, CURL),
        ScanWarning("file larger than 8 MiB cap, not read", "var/lib/big\x1b[8m"),
    )
    return ScanResult(
        image=image,
        inventory=Inventory(distro, PACKAGES, warnings, FILES),
        tool_version="0.1.0",
        generated="2024-06-01T08:30:00+00:00",
    )


DATABASE = DatabaseInfo(
    "/var/cache/dockwise/db/dockwise.db", "1", "2024-06-01T06:00:00Z", False,
    (FeedState("osv", "ok", 115, 18), FeedState("debian-tracker", "ok", 0, 1)),
)  # fmt: skip
COVERAGE = (
    CoverageGroup("deb", "Debian 12", "no data for this release", 5, 0, ("Debian:12",), 0,
                  "the database has no Debian 12 advisories"),
    CoverageGroup("pypi", "PyPI", "covered", 1, 0, ("PyPI",), 115),
)  # fmt: skip


def make_checked_result() -> ScanResult:
    """`make_result` as a scan against a database with no Debian 12 advisories left it."""
    return dataclasses.replace(make_result(), database=DATABASE, coverage=COVERAGE)


@pytest.fixture
def result() -> ScanResult:
    return make_checked_result()


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/report/<name>, or rewrite it with --update-goldens."""
    return checker(request, "report")
