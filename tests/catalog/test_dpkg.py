"""dpkg and opkg status databases: the peers' corpus, then our own edge cases."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from corpus import expected, pkgdb_cases

from dockwise.catalog import catalog
from dockwise.catalog.base import Environment
from dockwise.catalog.distro import detect_distro
from dockwise.catalog.dpkg import DpkgCataloger, OpkgCataloger, stanzas
from dockwise.model import Distro, LayerRef, Package
from dockwise.source.filetree import Entry, FileTree, LayerAnalysis, glob_regex

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "dpkg"
DPKG, OPKG = DpkgCataloger(), OpkgCataloger()
DEBIAN_12 = "distro=debian-12"


def case_id(case: Path) -> str:
    return re.sub(r"[^a-z0-9_]", "_", case.name.lower())


def dir_files(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root: an image root as a dict."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def asset_files(scenario: str) -> dict[str, bytes]:
    return dir_files(ASSETS / scenario)


def by_name(packages: tuple[Package, ...]) -> dict[str, Package]:
    return {p.name: p for p in packages}


# -- the shared corpus ---------------------------------------------------------------


def corpus_tree(case: Path) -> tuple[FileTree, DpkgCataloger | OpkgCataloger]:
    """The case's input as an image root; single files go where the cataloger looks."""
    facts = expected(case)
    root = case / facts["input_root"]
    fixture = facts["source"]["fixture_path"]
    if root.is_dir():
        return FileTree.from_files(dir_files(root)), DPKG
    if "/opkg/" in fixture:
        return FileTree.from_files({"usr/lib/opkg/status": root.read_bytes()}), OPKG
    if "/status.d/" in fixture:
        path = f"var/lib/dpkg/status.d/{root.name}"
        return FileTree.from_files({path: root.read_bytes()}), DPKG
    return FileTree.from_files({"var/lib/dpkg/status": root.read_bytes()}), DPKG


def full_version(peer_package: dict) -> str:
    """trivy splits epoch:version-release; its `id` (name@full) keeps the whole string."""
    if "id" in peer_package:
        return peer_package["id"][len(peer_package["name"]) + 1 :]
    return peer_package["version"]


@pytest.mark.parametrize("case", pkgdb_cases("dpkg"), ids=case_id)
def test_corpus_packages(case: Path) -> None:
    tree, cataloger = corpus_tree(case)
    inventory = catalog(tree, [cataloger])
    want = sorted((p["name"], full_version(p)) for p in expected(case)["packages"])
    assert sorted((p.name, p.version) for p in inventory.packages) == want


def peer_source(peer: dict) -> tuple[str | None, str | None]:
    """trivy's src_name and src_epoch:src_version-src_release; syft gives src_name only."""
    version = peer.get("src_version")
    if version is not None:
        epoch = f"{peer['src_epoch']}:" if peer.get("src_epoch") else ""
        release = f"-{peer['src_release']}" if peer.get("src_release") else ""
        version = f"{epoch}{version}{release}"
    return peer.get("src_name"), version


@pytest.mark.parametrize("case", pkgdb_cases("dpkg"), ids=case_id)
def test_corpus_source_and_arch(case: Path) -> None:
    """Where the peer asserted them, source package and architecture match too."""
    tree, cataloger = corpus_tree(case)
    got = {p.name: p for p in catalog(tree, [cataloger]).packages}
    for peer in expected(case)["packages"]:
        package = got[peer["name"]]
        asserted = {
            "arch": peer.get("arch") or peer.get("metadata", {}).get("Architecture"),
            "source_name": peer_source(peer)[0],
            "source_version": peer_source(peer)[1],
        }
        for attribute, value in asserted.items():
            if value is not None:
                assert getattr(package, attribute) == value, attribute


# -- our assets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cataloger", "wanted"),
    [
        ("var/lib/dpkg/status", DPKG, True),
        ("var/lib/dpkg/status.d/base-files", DPKG, True),
        ("var/lib/dpkg/status.d/base-files.md5sums", DPKG, True),  # matched, then skipped
        ("var/lib/dpkg/status-old", DPKG, False),
        ("var/lib/dpkg/available", DPKG, False),
        ("usr/lib/opkg/status", OPKG, True),
        ("var/lib/opkg/status", OPKG, True),
        ("usr/lib/opkg/status", DPKG, False),
    ],
    ids=[
        "status",
        "status_d",
        "status_d_md5sums",
        "status_old",
        "available",
        "opkg_usr",
        "opkg_var",
        "dpkg_ignores_opkg",
    ],
)
def test_globs(path: str, cataloger: DpkgCataloger | OpkgCataloger, wanted: bool) -> None:
    assert bool(glob_regex(cataloger.globs).match(path)) is wanted


def test_debian_packages_with_files_and_purls() -> None:
    files = asset_files("debian-12")
    # Multi-Arch: same packages keep their list as <name>:<arch>.list (":" kept out of git).
    files["var/lib/dpkg/info/libgcc-s1:amd64.list"] = (
        b"/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libgcc_s.so.1\n"
    )
    inventory = catalog(FileTree.from_files(files), [DPKG])
    assert inventory.distro is not None and inventory.distro.id == "debian"
    assert inventory.warnings == ()
    packages = by_name(inventory.packages)
    assert sorted(packages) == ["gzip", "libgcc-s1", "login", "tar"]  # libxml2: config-files

    libgcc = packages["libgcc-s1"]
    assert (libgcc.source_name, libgcc.source_version) == ("gcc-12", "12.2.0-14")
    assert libgcc.files == ("lib", "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libgcc_s.so.1")
    assert (
        libgcc.purl == f"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&{DEBIAN_12}&upstream=gcc-12"
    )
    assert libgcc.found_by == "dpkg-db"
    assert libgcc.location.path == "var/lib/dpkg/status"
    assert libgcc.maintainer == "Debian GCC Maintainers <debian-gcc@lists.debian.org>"

    assert packages["tar"].files == (
        "bin",
        "bin/tar",
        "usr",
        "usr/sbin",
        "usr/sbin/rmt-tar",
        "usr/sbin/tarcat",
    )
    assert (
        packages["tar"].purl
        == f"pkg:deb/debian/tar@1.34%2Bdfsg-1.2%2Bdeb12u1?arch=amd64&{DEBIAN_12}"
    )
    # No .list: the md5sums file still says which files the package owns.
    assert packages["gzip"].files == ("bin/gunzip", "bin/gzip", "usr/share/man/man1/gzip.1.gz")
    login = packages["login"]
    assert (login.version, login.source_name, login.source_version) == (
        "1:4.13+dfsg1-1+b1",
        "shadow",
        "1:4.13+dfsg1-1+b1",
    )
    assert (
        login.purl
        == f"pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bb1?arch=amd64&{DEBIAN_12}&upstream=shadow"
    )
    assert dict(login.metadata) == {"installed_size": "2595"}


def test_distroless_status_d() -> None:
    inventory = catalog(FileTree.from_files(asset_files("distroless")), [DPKG])
    packages = by_name(inventory.packages)
    assert sorted(packages) == ["base-files", "tzdata"]  # the .md5sums file is not a stanza
    assert packages["base-files"].files == ("etc/debian_version", "etc/host.conf")
    assert packages["base-files"].location.path == "var/lib/dpkg/status.d/base-files"
    assert packages["tzdata"].files == ()
    assert inventory.warnings == ()


def test_opkg() -> None:
    inventory = catalog(FileTree.from_files(asset_files("opkg-openwrt")), [OPKG])
    [busybox] = inventory.packages  # dropbear is "not-installed"
    assert busybox.type == "opkg"
    assert busybox.found_by == "opkg-db"
    assert busybox.files == ("bin/busybox", "bin/sh", "etc/syslog.conf")
    assert busybox.purl == "pkg:opkg/openwrt/busybox@1.36.1-1?arch=x86_64&distro=openwrt-23.05.5"


@pytest.mark.parametrize(
    ("status", "reported"),
    [
        ("install ok installed", True),
        ("hold ok installed", True),
        ("deinstall reinstreq installed", True),  # marked for removal, still on disk
        ("install ok triggers-pending", True),
        ("install ok triggers-awaited", True),
        ("deinstall ok config-files", False),
        ("install ok unpacked", False),
        ("install ok half-configured", False),
        ("install reinstreq half-installed", False),
        ("purge ok not-installed", False),
        ("", False),  # the main status file always writes Status; without one, not installed
    ],
    ids=lambda v: re.sub(r"[^a-z0-9_]", "_", str(v).lower()) or "none",
)
def test_status_filter(status: str, reported: bool) -> None:
    line = f"Status: {status}\n" if status else ""
    stanza = f"Package: foo\n{line}Version: 1.0\nArchitecture: amd64\n"
    tree = FileTree.from_files({"var/lib/dpkg/status": stanza})
    assert bool(catalog(tree, [DPKG]).packages) is reported


def test_status_d_without_status_is_installed() -> None:
    tree = FileTree.from_files({"var/lib/dpkg/status.d/foo": "Package: foo\nVersion: 1.0\n"})
    assert [p.name for p in catalog(tree, [DPKG]).packages] == ["foo"]


def test_no_distro_defaults_namespace_to_debian() -> None:
    tree = FileTree.from_files({"var/lib/dpkg/status.d/foo": "Package: foo\nVersion: 1.0\n"})
    assert catalog(tree, [DPKG]).packages[0].purl == "pkg:deb/debian/foo@1.0"


def test_ubuntu_namespace_and_source_version() -> None:
    tree = FileTree.from_files(
        {
            "etc/os-release": 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n',
            "var/lib/dpkg/status": (
                "Package: libgcc1\nStatus: install ok installed\nArchitecture: amd64\n"
                "Source: gcc-5 (5.1.1-12ubuntu1)\nVersion: 1:5.1.1-12ubuntu1\n"
            ),
        }
    )
    [pkg] = catalog(tree, [DPKG]).packages
    assert (pkg.source_name, pkg.source_version) == ("gcc-5", "5.1.1-12ubuntu1")
    assert pkg.purl == (
        "pkg:deb/ubuntu/libgcc1@1:5.1.1-12ubuntu1?arch=amd64&distro=ubuntu-22.04"
        "&upstream=gcc-5%405.1.1-12ubuntu1"
    )


STANZA_A = b"Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n"
STANZA_B = b"Package: b\nStatus: install ok installed\nVersion: 2.0\nArchitecture: all\n"


def test_garbage_between_stanzas() -> None:
    garbage = bytes(range(256)) * 4 + b"\n\x00\x00\xff\xfe\n"
    data = STANZA_A + b"\n" + garbage + b"\n\n" + STANZA_B
    inventory = catalog(FileTree.from_files({"var/lib/dpkg/status": data}), [DPKG])
    assert [(p.name, p.version) for p in inventory.packages] == [("a", "1.0"), ("b", "2.0")]
    assert len(inventory.warnings) == 1
    assert "unreadable line" in inventory.warnings[0].message
    assert inventory.warnings[0].path == "var/lib/dpkg/status"


def test_garbage_inside_a_stanza_keeps_the_stanza() -> None:
    data = STANZA_A + b"\x89PNG\x00\x1a\n" + b"\n" + STANZA_B
    inventory = catalog(FileTree.from_files({"var/lib/dpkg/status": data}), [DPKG])
    assert [p.name for p in inventory.packages] == ["a", "b"]
    assert len(inventory.warnings) == 1


def test_crlf_continuations_and_trailing_blank_lines() -> None:
    data = (
        b"Package: a\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\n"
        b"Description: first line\r\n more text\r\n .\r\n"
        b"Source: a-src\r\n\r\n\r\n \r\n\t\r\n" + STANZA_B + b"\n\n\n"
    )
    inventory = catalog(FileTree.from_files({"var/lib/dpkg/status": data}), [DPKG])
    packages = by_name(inventory.packages)
    assert packages["a"].version == "1.0-1"
    assert packages["a"].source_name == "a-src"
    assert sorted(packages) == ["a", "b"]
    assert inventory.warnings == ()


def test_missing_package_or_version_or_bad_version_warn() -> None:
    data = (
        b"Status: install ok installed\nVersion: 1.0\n\n"
        b"Package: noversion\nStatus: install ok installed\n\n"
        b"Package: invalidpkg\nStatus: install ok installed\nVersion: 1:5.#\n\n" + STANZA_B
    )
    inventory = catalog(FileTree.from_files({"var/lib/dpkg/status": data}), [DPKG])
    assert [p.name for p in inventory.packages] == ["b"]
    messages = [w.message for w in inventory.warnings]
    assert len(messages) == 3
    assert "without a Package" in messages[0]
    assert "'noversion' without a Version" in messages[1]
    assert "invalid version" in messages[2]


def test_huge_status_file() -> None:
    count = 20_000
    data = b"\n".join(STANZA_A.replace(b"a\n", b"p%d\n" % i, 1) for i in range(count))
    inventory = catalog(FileTree.from_files({"var/lib/dpkg/status": data}), [DPKG])
    assert len(inventory.packages) == count


def test_stanzas_join_continuation_lines() -> None:
    [stanza] = stanzas("Package: a\nDescription: x\n y\n z\n")
    assert stanza.get("description") == "x\ny\nz"
    assert stanza.line == 1


def test_distro_from_env_reaches_purl() -> None:
    tree = FileTree.from_files(
        {
            "etc/os-release": "ID=debian\nVERSION_ID=11\n",
            "var/lib/dpkg/status.d/foo": "Package: foo\nVersion: 1.0\nArchitecture: arm64\n",
        }
    )
    inventory = catalog(tree, [DPKG])
    assert inventory.distro == Distro("debian", "11")
    assert inventory.packages[0].purl == "pkg:deb/debian/foo@1.0?arch=arm64&distro=debian-11"


@pytest.mark.parametrize("case", pkgdb_cases("dpkg"), ids=case_id)
def test_keys_are_the_keys_parse_gives(case: Path) -> None:
    """`keys` (used to date packages to layers) skips file lists and licenses, never
    a package: the same keys as a full parse, on every corpus database."""
    tree, cataloger = corpus_tree(case)
    env = Environment(tree, detect_distro(tree))
    for file in tree.kept(glob_regex(cataloger.globs)):
        parsed = {p.key for p in cataloger.parse(file, env) if isinstance(p, Package)}
        assert set(cataloger.keys(file, env)) == parsed


def test_a_status_rewritten_by_a_later_layer_dates_each_package_to_its_own_layer() -> None:
    stanza = "Package: {}\nStatus: install ok installed\nVersion: {}\nArchitecture: amd64\n\n"
    old, new = stanza.format("base-files", "12.4"), stanza.format("curl", "7.88.1-10")
    layers = []
    for index, status in enumerate((old, old + new)):
        analysis = LayerAnalysis(LayerRef(index, f"sha256:{index:064x}"))
        analysis.entries["var/lib/dpkg/status"] = Entry(stat.S_IFREG | 0o644, len(status))
        analysis.contents["var/lib/dpkg/status"] = status.encode()
        layers.append(analysis)
    inventory = catalog(FileTree.from_layers(layers), [DPKG])
    assert {p.name: p.location.layer.index for p in inventory.packages} == {
        "base-files": 0, "curl": 1
    }
