"""Runtimes: JDK release files (corpus), Go VERSION files, banners in binaries."""

from __future__ import annotations

import pytest
from analyze.elfgen import make_elf
from binary_image import Member, inventory_of
from corpus import expected, pkgdb_cases

from dockwise.catalog.runtimes import RuntimeCataloger

CATALOGERS = (RuntimeCataloger(),)
JVM_CASES = [c for c in pkgdb_cases("java") if "jvm-installs" in c.name]


def _members(case) -> list[Member]:
    root = case / "input"
    top = next(root.iterdir())
    return [Member(str(p.relative_to(top)), p.read_bytes()) for p in top.rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", JVM_CASES, ids=lambda c: c.name.split("_")[-1].replace("-", "_"))
def test_corpus_jvm_release(tmp_path, case):
    inventory = inventory_of(tmp_path, [_members(case)], CATALOGERS)
    got = [(p.name, p.version) for p in inventory.packages]
    assert got == [(p["name"], p["version"]) for p in expected(case)["packages"]]
    assert all(
        p.type == "runtime" and p.purl.startswith("pkg:generic/") for p in inventory.packages
    )


def test_go_toolchain_version_file(tmp_path):
    layer = [Member("usr/local/go/VERSION", b"go1.21.5\ntime 2023-11-29T21:21:48Z\n")]
    (package,) = inventory_of(tmp_path, [layer], CATALOGERS).packages
    assert (package.name, package.version, package.purl) == (
        "go",
        "1.21.5",
        "pkg:generic/go@1.21.5",
    )


def test_banners_in_binaries(tmp_path):
    ssl = b"\0OpenSSL 3.0.11 19 Sep 2023\0"
    layer = [
        Member("usr/lib/libcrypto.so.3", make_elf(etype=3, sections={".rodata": ssl})),
        # links libcrypto: the banner is the library's, reported once, from the library
        Member(
            "usr/bin/openssl",
            make_elf(needed=("libcrypto.so.3",), sections={".rodata": ssl}),
            mode=0o755,
        ),  # fmt: skip
        # a static binary with its own copy: a vendored OpenSSL
        Member(
            "opt/app/server",
            make_elf(sections={".rodata": b"\0OpenSSL 1.1.1k  25 Mar 2021\0"}),
            mode=0o755,
        ),  # fmt: skip
        Member(
            "bin/busybox", make_elf(sections={".rodata": b"BusyBox v1.36.1 (2023)"}), mode=0o755
        ),  # fmt: skip
        Member(
            "usr/local/lib/libpython3.12.so.1.0",
            make_elf(etype=3, sections={".rodata": b"x\x003.12.1\0"}),
        ),  # fmt: skip
    ]
    got = sorted((p.name, p.version, p.location.path)
                 for p in inventory_of(tmp_path, [layer], CATALOGERS).packages)  # fmt: skip
    assert got == [
        ("busybox", "1.36.1", "bin/busybox"),
        ("openssl", "1.1.1k", "opt/app/server"),
        ("openssl", "3.0.11", "usr/lib/libcrypto.so.3"),
        ("python", "3.12.1", "usr/local/lib/libpython3.12.so.1.0"),
    ]


def test_release_file_of_something_else_is_ignored(tmp_path):
    layer = [Member("etc/release", b"NAME=whatever\n")]
    assert inventory_of(tmp_path, [layer], CATALOGERS).packages == ()
