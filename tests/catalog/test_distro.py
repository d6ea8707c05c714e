"""Distro detection: os-release per family, the older release files, and their interplay."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.catalog.distro import DISTRO_GLOBS, detect_distro, parse_os_release
from dockwise.model import Distro
from dockwise.source.filetree import FileTree, glob_regex

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "distro"


def asset_tree(scenario: str, **extra: str) -> FileTree:
    root = ASSETS / scenario
    files: dict[str, bytes | str] = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }
    files.update({path.replace("__", "/"): data for path, data in extra.items()})
    return FileTree.from_files(files)


CASES = {
    "debian-12": Distro(
        "debian",
        "12",
        "bookworm",
        "Debian GNU/Linux",
        "Debian GNU/Linux 12 (bookworm)",
    ),
    "ubuntu-22.04": Distro("ubuntu", "22.04", "jammy", "Ubuntu", "Ubuntu 22.04.3 LTS", ("debian",)),
    "alpine-3.19": Distro("alpine", "3.19.1", "", "Alpine Linux", "Alpine Linux v3.19"),
    "rhel-9.3": Distro(
        "rhel",
        "9.3",
        "",  # os-release has no VERSION_CODENAME; "Plow" is only in prose fields
        "Red Hat Enterprise Linux",
        "Red Hat Enterprise Linux 9.3 (Plow)",
        ("fedora",),
    ),
    "amzn-2": Distro(
        "amzn", "2", "", "Amazon Linux", "Amazon Linux 2", ("centos", "rhel", "fedora")
    ),
    "amzn-2023": Distro("amzn", "2023", "", "Amazon Linux", "Amazon Linux 2023", ("fedora",)),
    "sles-15.5": Distro(
        "sles", "15.5", "", "SLES", "SUSE Linux Enterprise Server 15 SP5", ("suse",)
    ),
    "photon-5.0": Distro("photon", "5.0", "", "VMware Photon OS", "VMware Photon OS/Linux"),
    "mariner-2.0": Distro("mariner", "2.0", "", "Common Base Linux Mariner", "CBL-Mariner/Linux"),
    "azurelinux-3.0": Distro(
        "azurelinux", "3.0", "", "Microsoft Azure Linux", "Microsoft Azure Linux 3.0"
    ),
    # Debian 8's os-release has no VERSION_CODENAME; VERSION="8 (jessie)" gives it.
    "debian-8": Distro("debian", "8", "jessie", "Debian GNU/Linux", "Debian GNU/Linux 8 (jessie)"),
    # Testing has no VERSION_ID; debian_version "trixie/sid" has no number either.
    "debian-sid": Distro("debian", "", "trixie", "Debian GNU/Linux", "Debian GNU/Linux trixie/sid"),
    # No os-release at all: the per-family files answer.
    "centos-6-release-only": Distro("centos", "6.10", "", "CentOS", "CentOS release 6.10 (Final)"),
    "amzn-2018-release-only": Distro(
        "amzn", "2018.03", "", "Amazon Linux AMI", "Amazon Linux AMI release 2018.03"
    ),
    "sles-12-release-only": Distro("sles", "12.3", "", "SUSE Linux Enterprise Server 12"),
    "photon-4-release-only": Distro(
        "photon", "4.0", "", "VMware Photon OS", "VMware Photon OS 4.0"
    ),
    "mariner-1-release-only": Distro(
        "mariner", "1.0", "", "CBL-Mariner", "CBL-Mariner 1.0.20220122"
    ),
    "alpine-3.12-release-only": Distro("alpine", "3.12.12", name="Alpine Linux"),
    "debian-9-version-only": Distro("debian", "9", "stretch", "Debian"),
    # Ubuntu also ships etc/debian_version ("jessie/sid"): lsb-release must win over it.
    "ubuntu-14.04-lsb-only": Distro("ubuntu", "14.04", "trusty", "Ubuntu", "Ubuntu 14.04.6 LTS"),
}


@pytest.mark.parametrize(
    "scenario", sorted(CASES), ids=lambda s: s.replace("-", "_").replace(".", "_")
)
def test_families(scenario: str) -> None:
    assert detect_distro(asset_tree(scenario)) == CASES[scenario]


def test_every_release_file_is_declared() -> None:
    regex = glob_regex(DISTRO_GLOBS)
    for scenario in CASES:
        for path in (ASSETS / scenario).rglob("*"):
            if path.is_file():
                assert regex.match(path.relative_to(ASSETS / scenario).as_posix()), path


def test_symlinked_os_release() -> None:
    # The usual layout: etc/os-release -> ../usr/lib/os-release.
    tree = asset_tree("ubuntu-22.04", etc__os_release="-> ../usr/lib/os-release")
    assert detect_distro(tree) == CASES["ubuntu-22.04"]


def test_absolute_symlink_resolves_inside_the_image() -> None:
    tree = asset_tree("debian-12")
    moved = FileTree.from_files(
        {
            "usr/lib/os-release": (ASSETS / "debian-12/etc/os-release").read_bytes(),
            "etc/os-release": "-> /usr/lib/os-release",
        }
    )
    assert detect_distro(moved) == detect_distro(tree)


def test_etc_wins_over_usr_lib() -> None:
    tree = FileTree.from_files(
        {
            "etc/os-release": "ID=custom\nVERSION_ID=1\n",
            "usr/lib/os-release": "ID=debian\nVERSION_ID=12\n",
        }
    )
    assert detect_distro(tree) == Distro("custom", "1")


def test_os_release_wins_over_other_families() -> None:
    # A Debian-based image that also carries a stray alpine-release keeps its os-release.
    tree = asset_tree("debian-12", etc__alpine_release="3.19.1\n")
    assert detect_distro(tree) == CASES["debian-12"]


def test_missing_id_falls_back_then_defaults_to_linux() -> None:
    release = 'NAME="Something"\nVERSION_ID=1\n'
    with_fallback = FileTree.from_files({"etc/os-release": release, "etc/alpine-release": "3.18.4"})
    assert detect_distro(with_fallback) == Distro("alpine", "3.18.4", name="Alpine Linux")
    alone = FileTree.from_files({"etc/os-release": release})
    assert detect_distro(alone) == Distro("linux", "1", name="Something")


def test_nothing_known() -> None:
    assert detect_distro(FileTree.from_files({"bin/sh": b"\x7fELF"})) is None
    assert detect_distro(FileTree.from_files({"etc/os-release": "# only a comment\n"})) is None


def test_parse_os_release_quoting() -> None:
    text = (
        "# a comment\n"
        "  # an indented comment\n"
        "\n"
        "ID=debian\n"
        'NAME="Debian \\"GNU\\"/Linux \\$HOME \\\\ \\`x\\`"\n'
        "PRETTY_NAME='single $quoted \\n'\n"
        'VERSION_ID="12"\r\n'
        "not a pair\n"
        "ID_LIKE=\n"
    )
    assert parse_os_release(text) == {
        "ID": "debian",
        "NAME": 'Debian "GNU"/Linux $HOME \\ `x`',
        "PRETTY_NAME": "single $quoted \\n",
        "VERSION_ID": "12",
        "ID_LIKE": "",
    }
