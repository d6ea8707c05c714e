"""apk installed database: the peers' corpus, then our own edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import expected, pkgdb_cases

from dockwise.catalog import catalog
from dockwise.catalog.apk import ApkCataloger, split_license
from dockwise.source.filetree import FileTree, glob_regex

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "apk"
APK = ApkCataloger()
DB = "lib/apk/db/installed"

# Corpus errata: syft's multiple-1 test asserts 4 packages plus 4 dependency relationships;
# the corpus extractor also recorded each relationship's endpoints as packages, so its list
# holds the 4 packages 28 times. The database has 4 records; we compare distinct packages.
RELATIONSHIP_ENDPOINTS_LISTED = {"syft__cataloger-alpine__multiple-1"}


def case_id(case: Path) -> str:
    return re.sub(r"[^a-z0-9_]", "_", case.name.lower())


def dir_files(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root: an image root as a dict."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def corpus_tree(case: Path) -> FileTree:
    root = case / expected(case)["input_root"]
    if root.is_dir():
        return FileTree.from_files(dir_files(root))
    return FileTree.from_files({DB: root.read_bytes()})


@pytest.mark.parametrize("case", pkgdb_cases("apk"), ids=case_id)
def test_corpus_packages(case: Path) -> None:
    inventory = catalog(corpus_tree(case), [APK])
    want = [(p["name"], p["version"]) for p in expected(case)["packages"]]
    if case.name in RELATIONSHIP_ENDPOINTS_LISTED:
        want = list(set(want))
    assert sorted((p.name, p.version) for p in inventory.packages) == sorted(want)


@pytest.mark.parametrize("case", pkgdb_cases("apk"), ids=case_id)
def test_corpus_origin_and_arch(case: Path) -> None:
    """Where the peer asserted the origin (trivy src_name, syft OriginPackage), match it."""
    got = {p.name: (p.source_name, p.arch) for p in catalog(corpus_tree(case), [APK]).packages}
    for peer in expected(case)["packages"]:
        origin = peer.get("src_name") or peer.get("metadata", {}).get("OriginPackage")
        arch = peer.get("arch") or peer.get("metadata", {}).get("Architecture")
        assert got[peer["name"]] == (origin, arch)


def test_globs() -> None:
    regex = glob_regex(APK.globs)
    assert regex.match("lib/apk/db/installed")
    assert not regex.match("lib/apk/db/installed.bak")
    assert not regex.match("usr/lib/apk/db/installed")


def test_alpine_packages() -> None:
    inventory = catalog(FileTree.from_files(dir_files(ASSETS / "alpine-3.19")), [APK])
    assert inventory.warnings == ()
    packages = {p.name: p for p in inventory.packages}
    assert sorted(packages) == ["libcrypto3", "musl", "ssl_client"]

    crypto = packages["libcrypto3"]
    assert crypto.type == "apk"
    assert crypto.found_by == "apk-db"
    assert crypto.location.path == DB
    assert (crypto.version, crypto.arch) == ("3.1.4-r5", "x86_64")
    assert (crypto.source_name, crypto.source_version) == ("openssl", "3.1.4-r5")
    assert crypto.licenses == ("Apache-2.0",)
    assert crypto.maintainer == "Ariadne Conill <ariadne@dereferenced.org>"
    assert crypto.files == ("lib", "lib/libcrypto.so.3", "usr", "usr/lib", "usr/lib/libcrypto.so.3")
    assert crypto.purl == (
        "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl"
    )
    assert dict(crypto.metadata) == {
        "build_time": "1706279227",
        "commit": "ba1be28c1d0ad0ec5d61a3a8b1a6bb5bcc71aa6b",
        "installed_size": "4481024",
        "url": "https://www.openssl.org/",
    }
    musl = packages["musl"]
    assert musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
    assert musl.files == ("lib", "lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1")


def test_wolfi_namespace() -> None:
    tree = FileTree.from_files(
        {
            "etc/os-release": 'ID=wolfi\nNAME="Wolfi"\nVERSION_ID=20230201\n',
            DB: "P:glibc\nV:2.39-r1\nA:aarch64\no:glibc\nL:LGPL-2.1-or-later\n",
        }
    )
    [glibc] = catalog(tree, [APK]).packages
    assert glibc.purl == "pkg:apk/wolfi/glibc@2.39-r1?arch=aarch64&distro=wolfi-20230201"


def test_no_distro_defaults_namespace_to_alpine() -> None:
    [pkg] = catalog(FileTree.from_files({DB: "P:zlib\nV:1.3.1-r0\n"}), [APK]).packages
    assert pkg.purl == "pkg:apk/alpine/zlib@1.3.1-r0"
    assert pkg.source_name == "zlib"  # no o: line: a package is its own origin


RECORD_A = b"C:Q1abc=\nP:a\nV:1.0-r0\nA:x86_64\nF:usr/bin\nR:a\n"
RECORD_B = b"P:b\nV:2.0-r1\nA:x86_64\n"


def test_garbage_between_records() -> None:
    data = RECORD_A + b"\n" + bytes(range(256)) * 3 + b"\n\x00\xff\n\n" + RECORD_B
    inventory = catalog(FileTree.from_files({DB: data}), [APK])
    assert [(p.name, p.version) for p in inventory.packages] == [("a", "1.0-r0"), ("b", "2.0-r1")]
    assert len(inventory.warnings) == 1
    assert "unreadable line" in inventory.warnings[0].message


def test_crlf_and_trailing_blank_lines() -> None:
    data = RECORD_A.replace(b"\n", b"\r\n") + b"\r\n\r\n \r\n" + RECORD_B + b"\n\n\n\n"
    inventory = catalog(FileTree.from_files({DB: data}), [APK])
    assert [p.name for p in inventory.packages] == ["a", "b"]
    assert inventory.packages[0].files == ("usr/bin", "usr/bin/a")
    assert inventory.warnings == ()


def test_records_without_name_or_version_warn() -> None:
    data = b"P:noversion\nA:x86_64\n\nV:1.0-r0\nA:x86_64\n\n" + RECORD_B
    inventory = catalog(FileTree.from_files({DB: data}), [APK])
    assert [p.name for p in inventory.packages] == ["b"]
    assert [w.message for w in inventory.warnings] == [
        "record without P: or V: skipped (record at line 1)",
        "record without P: or V: skipped (record at line 4)",
    ]


def test_files_before_any_directory_are_at_the_root() -> None:
    [pkg] = catalog(FileTree.from_files({DB: "P:x\nV:1\nR:.dockerenv\n"}), [APK]).packages
    assert pkg.files == (".dockerenv",)


def test_huge_database() -> None:
    count = 20_000
    data = b"\n".join(b"P:p%d\nV:1.0-r0\nF:usr/lib\nR:lib%d.so\n" % (i, i) for i in range(count))
    assert len(catalog(FileTree.from_files({DB: data}), [APK]).packages) == count


@pytest.mark.parametrize(
    ("value", "licenses"),
    [
        ("MIT", ("MIT",)),
        ("MIT BSD GPL2+", ("MIT", "BSD", "GPL2+")),  # apk before SPDX: a space-separated list
        ("GPL-2.0-or-later AND LGPL-2.1-or-later", ("GPL-2.0-or-later AND LGPL-2.1-or-later",)),
        ("(MIT OR Apache-2.0)", ("(MIT OR Apache-2.0)",)),
        ("", ()),
    ],
    ids=["single", "legacy_list", "spdx_and", "spdx_or", "empty"],
)
def test_split_license(value: str, licenses: tuple[str, ...]) -> None:
    assert split_license(value) == licenses
