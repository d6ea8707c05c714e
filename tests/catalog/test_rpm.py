"""The rpm-db cataloger against the shared corpus, and its globs and purls."""

from pathlib import Path

import pytest
from corpus import expected, pkgdb_cases

from dockwise.catalog import catalog
from dockwise.catalog.base import Environment, File
from dockwise.catalog.rpm import MANIFEST, RpmCataloger, namespace, split_source_rpm, to_package
from dockwise.catalog.rpmdb.header import RpmEntry
from dockwise.model import Distro, LayerRef, Package, ScanWarning
from dockwise.source.filetree import FileTree, glob_regex

CASES = {case.name: case for case in pkgdb_cases("rpm")}
# Where each corpus file would sit in an image (scalibr's fixture is renamed).
IMAGE_PATHS = {
    "go-rpmdb__cbl-mariner-2.0__rpmdb.sqlite": "var/lib/rpm/rpmdb.sqlite",
    "go-rpmdb__sle15-bci__Packages.db": "usr/lib/sysimage/rpm/Packages.db",
    "scalibr__os-rpm__Packages_epoch": "var/lib/rpm/Packages",
    "syft__cataloger-redhat__container-manifest-2": MANIFEST,
}


def parse(path: str, content: bytes, distro: Distro | None = None) -> list:
    file = File(path, None, len(content), content=content)
    return list(RpmCataloger().parse(file, Environment(FileTree(), distro)))


def parse_case(name: str) -> tuple[list[Package], list[ScanWarning]]:
    case = CASES[name]
    items = parse(IMAGE_PATHS[name], (case / expected(case)["input_root"]).read_bytes())
    return [i for i in items if isinstance(i, Package)], [
        i for i in items if isinstance(i, ScanWarning)
    ]


def full_version(want: dict) -> str:
    """The peer's fields in dockwise's `[epoch:]version-release` form."""
    version = want["version"]
    if "release" in want:
        version = f"{version}-{want['release']}"
    epoch = want.get("epoch", want.get("metadata", {}).get("Epoch"))
    return f"{epoch}:{version}" if epoch is not None and ":" not in version else version


def summary(package: Package) -> dict:
    meta = dict(package.metadata)
    return {"name": package.name, "version": package.version, "arch": package.arch,
            "license": ",".join(package.licenses), "vendor": meta.get("vendor", "")}  # fmt: skip


def peer_summary(want: dict) -> dict:
    meta = want.get("metadata", {})
    return {
        "name": want["name"],
        "version": full_version(want),
        "arch": want.get("arch", meta.get("Architecture", meta.get("Arch", ""))),
        "license": want.get("license", ",".join(want.get("licenses", []))),
        "vendor": want.get("vendor", meta.get("Vendor", "")),
    }


def test_corpus_has_every_rpm_case():
    assert set(CASES) == set(IMAGE_PATHS)


@pytest.mark.parametrize("name", ["go-rpmdb__sle15-bci__Packages.db"], ids=["ndb_sle15"])
def test_exact_ordered_list(name):
    packages, warnings = parse_case(name)
    assert warnings == []
    assert [summary(p) for p in packages] == [
        peer_summary(w) for w in expected(CASES[name])["packages"]
    ]


@pytest.mark.parametrize(
    "name",
    [
        "go-rpmdb__cbl-mariner-2.0__rpmdb.sqlite",
        "scalibr__os-rpm__Packages_epoch",
        "syft__cataloger-redhat__container-manifest-2",
    ],
    ids=["sqlite_mariner", "bdb_epoch", "manifest_mariner"],
)
def test_contains_peer_packages(name):
    packages, warnings = parse_case(name)
    assert warnings == []
    got = [summary(p) for p in packages]
    for want in expected(CASES[name])["packages"]:
        summarised = peer_summary(want)
        match = [g for g in got if g["name"] == summarised["name"]]
        assert match, f"{summarised['name']} missing"
        assert {k: v for k, v in match[0].items() if summarised[k]} == {
            k: v for k, v in summarised.items() if v
        }


def test_sqlite_source_rpm_and_files():
    packages, _ = parse_case("go-rpmdb__cbl-mariner-2.0__rpmdb.sqlite")
    assert len(packages) == 129
    curl = next(p for p in packages if p.name == "curl")
    assert (curl.source_name, curl.source_version) == ("", "")  # same as the binary
    assert "usr/bin/curl" in curl.files
    assert dict(curl.metadata)["sha256header"]


def test_sle15_sources_differ_from_binaries():
    packages, _ = parse_case("go-rpmdb__sle15-bci__Packages.db")
    libz = next(p for p in packages if p.name == "libz1")
    assert (libz.source_name, libz.source_version) == ("zlib", "1.2.11-3.21.1")
    assert libz.purl == "pkg:rpm/suse/libz1@1.2.11-3.21.1?arch=x86_64"


def test_manifest_epoch_and_purl_without_distro():
    packages, _ = parse_case("syft__cataloger-redhat__container-manifest-2")
    vim = next(p for p in packages if p.name == "vim")
    assert vim.version == "2:9.0-1.cm2"
    assert vim.purl == "pkg:rpm/microsoft/vim@9.0-1.cm2?arch=x86_64&epoch=2"


@pytest.mark.parametrize(
    ("distro", "vendor", "want"),
    [
        (Distro("rhel", "9.3"), "Red Hat, Inc.", "redhat"),
        (Distro("amzn", "2023"), "Amazon Linux", "amazon"),
        (Distro("ol", "8.9"), "", "oracle"),
        (Distro("opensuse-leap", "15.5"), "SUSE LLC", "opensuse"),
        (Distro("sles", "15.3"), "", "suse"),
        (Distro("azurelinux", "3.0"), "", "microsoft"),
        (Distro("openeuler", "22.03"), "", "openeuler"),
        (None, "Red Hat, Inc.", "redhat"),
        (None, "openSUSE", "opensuse"),
        (None, "", ""),
    ],
    ids=[
        "rhel",
        "amzn",
        "ol",
        "leap",
        "sles",
        "azurelinux",
        "unknown_id",
        "vendor",
        "vendor_os",
        "none",
    ],
)
def test_namespace(distro, vendor, want):
    assert namespace(distro, vendor) == want


def test_purl_per_spec_with_epoch_qualifier():
    content = (CASES["scalibr__os-rpm__Packages_epoch"] / "input/Packages_epoch").read_bytes()
    (hello,) = parse("var/lib/rpm/Packages", content, Distro("rhel", "9.3"))
    assert hello.purl == "pkg:rpm/redhat/hello@0.0.1-rls?arch=x86_64&distro=rhel-9.3&epoch=1"
    assert hello.version == "1:0.0.1-rls"
    assert hello.files == ("usr/bin/hello.sh",)


@pytest.mark.parametrize(
    ("srpm", "want"),
    [
        ("openssl-3.0.7-25.el9_3.src.rpm", ("openssl", "3.0.7-25.el9_3")),
        ("gcc11-11.2.1+git610-1.3.9.src.rpm", ("gcc11", "11.2.1+git610-1.3.9")),
        ("java-17-openjdk-17.0.9.0.9-2.el9.nosrc.rpm", ("java-17-openjdk", "17.0.9.0.9-2.el9")),
        ("(none)", ("", "")),
        ("", ("", "")),
    ],
    ids=["openssl", "plus", "nosrc", "none", "empty"],
)
def test_split_source_rpm(srpm, want):
    assert split_source_rpm(srpm) == want


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("var/lib/rpm/Packages", True),
        ("var/lib/rpm/Packages.db", True),
        ("var/lib/rpm/rpmdb.sqlite", True),
        ("usr/lib/sysimage/rpm/rpmdb.sqlite", True),
        ("usr/share/rpm/Packages", True),
        ("var/lib/rpmmanifest/container-manifest-2", True),
        ("var/lib/rpm/__db.001", False),
        ("var/lib/rpm/rpmdb.sqlite-wal", False),
        ("var/lib/rpm/Packages.bak", False),
        ("opt/var/lib/rpm/Packages", False),
    ],
    ids=lambda v: str(v).replace("/", "_").replace(".", "_").replace("-", "_").lower(),
)
def test_globs(path, wanted):
    cataloger = RpmCataloger()
    assert bool(glob_regex(cataloger.globs).match(path)) is wanted
    assert cataloger.max_size >= 512 * 1024 * 1024


def test_catalog_stamps_location_and_layer():
    content = (CASES["go-rpmdb__sle15-bci__Packages.db"] / "input/Packages.db").read_bytes()
    layer = LayerRef(0, "sha256:" + "a" * 64)
    tree = FileTree.from_files({"usr/lib/sysimage/rpm/Packages.db": content}, layer)
    inventory = catalog(tree, [RpmCataloger()])
    assert len(inventory.packages) == 35
    assert {(p.found_by, p.location.path, p.location.layer) for p in inventory.packages} == {
        ("rpm-db", "usr/lib/sysimage/rpm/Packages.db", layer)
    }


def test_unknown_bytes_are_a_warning(tmp_path: Path):
    (warning,) = parse("var/lib/rpm/Packages", b"\x00" * 100)
    assert isinstance(warning, ScanWarning)
    assert "not an rpm database" in warning.message


@pytest.mark.parametrize(
    ("vendor", "packager", "supplier"),
    [("Red Hat, Inc.", "Red Hat <security@redhat.com>", "Red Hat, Inc."),
     ("", "Fedora Project", "Fedora Project"), ("", "", "")],
    ids=["vendor", "packager", "nothing"],
)  # fmt: skip
def test_supplier_is_vendor_else_packager(vendor, packager, supplier):
    entry = RpmEntry("bash", "5.1", "1", vendor=vendor, packager=packager)
    assert to_package(entry, None).maintainer == supplier
