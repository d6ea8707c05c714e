"""Lifecycle answers on fixed dates, derived from the bundled snapshot's own records."""

from datetime import date, timedelta

import pytest

from dockwise.lifecycle import (
    Support,
    SupportUnknown,
    distro_support,
    load_snapshot,
    runtime_support,
)
from dockwise.model import Distro

BOOKWORM = Distro("debian", "12", codename="bookworm")
SCAN_DAY = date(2026, 11, 28)
BUILD_DAY = date(2023, 11, 14)  # the shared test images' clamped timestamps


def debian_12():
    return load_snapshot().products["debian"].find("12")


def test_debian_12_record_merges_both_sources():
    cycle = debian_12()
    assert cycle.codename == "Bookworm"
    assert set(cycle.sources) == {"endoflife.date", "distro-info-data:debian.csv"}
    assert cycle.release < cycle.eol < cycle.eol_lts < cycle.eol_elts


def test_debian_12_phase_changes_at_the_recorded_dates():
    cycle = debian_12()
    expected = [
        (cycle.release - timedelta(days=1), "pre-release"),
        (cycle.release, "active"),
        (cycle.eol - timedelta(days=1), "active"),
        (cycle.eol, "lts"),
        (cycle.eol_lts - timedelta(days=1), "lts"),
        (cycle.eol_lts, "extended"),
        (cycle.eol_elts - timedelta(days=1), "extended"),
        (cycle.eol_elts, "end-of-life"),
    ]
    assert [(day, distro_support(BOOKWORM, day).phase) for day, _ in expected] == expected


def test_debian_12_on_the_scan_day():
    support = distro_support(BOOKWORM, SCAN_DAY)
    cycle = debian_12()
    # on 2026-11-28 the snapshot puts Debian 12 past regular security support
    assert cycle.eol <= SCAN_DAY < cycle.eol_lts
    assert (support.phase, support.support_class) == ("lts", "community-lts")
    assert support.phase_end == cycle.eol_lts
    assert support.days_left == (cycle.eol_lts - SCAN_DAY).days
    assert (support.security_end, support.lts_end, support.extended_end) == (
        cycle.eol, cycle.eol_lts, cycle.eol_elts)  # fmt: skip
    assert "fewer" in support.note and "Freexian" in support.extended_name
    assert ("record", "endoflife.date debian 12") in support.evidence


def test_debian_12_when_the_test_images_were_built():
    support = distro_support(BOOKWORM, BUILD_DAY)
    assert (support.phase, support.support_class) == ("active", "community-stable")
    assert support.phase_end == debian_12().eol


def test_node_18_is_end_of_life():
    support = runtime_support("node", "18.19.0", SCAN_DAY)
    assert isinstance(support, Support)
    assert (support.cycle, support.phase) == ("18", "end-of-life")
    assert support.security_end == date(2025, 4, 30)
    assert runtime_support("nodejs", "v18.0.0", date(2025, 4, 29)).phase != "end-of-life"


def test_python_311_end_of_life_date():
    support = runtime_support("python", "3.11.2", BUILD_DAY)
    record = load_snapshot().products["python"].find("3.11")
    assert support.security_end == record.eol == date(2027, 10, 31)
    assert support.phase == "active"  # before its eoas (2024-04-01): bug fixes still
    assert runtime_support("python", "3.11.2", SCAN_DAY).phase == "maintenance"


@pytest.mark.parametrize(
    ("name", "version", "vendor", "reason"),
    [
        ("cobol", "1.0", "", "no lifecycle data for runtime 'cobol'"),
        ("python", "2.8", "", "release '2.8' not in data"),
        ("python", "3", "", "release '3' not in data"),
        ("openjdk", "17.0.9", "", "depends on the build's vendor"),
        ("openjdk", "17.0.9", "Debian", "no lifecycle data for vendor 'Debian'"),
    ],
    ids=["unknown_runtime", "unknown_python", "major_only", "jdk_no_vendor", "jdk_debian"],
)
def test_unknown_runtimes_say_why(name, version, vendor, reason):
    support = runtime_support(name, version, SCAN_DAY, vendor)
    assert isinstance(support, SupportUnknown)
    assert reason in support.reason


def test_unknown_distros_are_not_guessed():
    mint = distro_support(Distro("linuxmint", "21", id_like=("ubuntu",)), SCAN_DAY)
    assert isinstance(mint, SupportUnknown) and "like ubuntu" in mint.reason
    future = distro_support(Distro("debian", "99"), SCAN_DAY)
    assert isinstance(future, SupportUnknown) and "'99' not in data" in future.reason


@pytest.mark.parametrize(
    ("distro", "cycle", "klass"),
    [
        (Distro("ubuntu", "24.04"), "24.04", "enterprise"),
        (Distro("ubuntu", "25.10"), "25.10", "end-of-life"),
        (Distro("alpine", "3.22.1"), "3.22", "community-stable"),
        (Distro("alpine", "3.23.0_alpha20251001"), "edge", "short-lived"),
        (Distro("rhel", "9.4"), "9", "enterprise"),
        (Distro("rocky", "9.4"), "9", "community-stable"),
        (Distro("ol", "8.10"), "8", "enterprise"),
        (Distro("sles", "15.7"), "15.7", "enterprise"),
        (Distro("fedora", "44"), "44", "short-lived"),
        (Distro("debian", "", codename="trixie"), "13", "community-stable"),
        (Distro("centos", "9", name="CentOS Stream"), "9", "community-stable"),
        (Distro("photon", "5.0"), "5.0", "enterprise"),
    ],
    ids=["ubuntu_lts", "ubuntu_interim_eol", "alpine", "alpine_edge", "rhel", "rocky",
         "oracle", "sles", "fedora", "debian_codename", "centos_stream", "photon"],
)  # fmt: skip
def test_distro_classes(distro, cycle, klass):
    support = distro_support(distro, SCAN_DAY)
    assert (support.cycle, support.support_class) == (cycle, klass)


def test_java_vendor_decides_the_record():
    temurin = runtime_support("openjdk", "17.0.9+9", SCAN_DAY, "Eclipse Adoptium")
    corretto = runtime_support("openjdk", "1.8.0_392", SCAN_DAY, "Amazon.com Inc.")
    assert (temurin.product, temurin.cycle) == ("eclipse-temurin", "17")
    assert (corretto.product, corretto.cycle) == ("amazon-corretto", "8")


def test_azure_linux_and_mariner_from_the_vendor_table():
    """Neither endoflife.date nor distro-info-data lists them (issue 21): the bundled
    vendor table does, each record naming it as its source."""
    mariner = distro_support(Distro("mariner", "2.0"), SCAN_DAY)
    assert isinstance(mariner, Support)
    assert (mariner.product, mariner.phase) == ("cbl-mariner", "end-of-life")
    assert mariner.security_end == date(2025, 7, 31)
    assert ("record", "vendor:cbl-mariner cbl-mariner 2.0") in mariner.evidence
    azure = distro_support(Distro("azurelinux", "3.0"), SCAN_DAY)
    assert isinstance(azure, Support)
    assert (azure.phase, azure.support_class, azure.phase_end) == ("active", "enterprise", None)
    assert distro_support(Distro("mariner", "1.0"), SCAN_DAY).phase == "end-of-life"
    assert isinstance(distro_support(Distro("azurelinux", "4.0"), SCAN_DAY), SupportUnknown)
