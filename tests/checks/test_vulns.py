"""The vulnerability checker against real OSV records from the shared corpus."""

from __future__ import annotations

import dataclasses

import pytest

from dockwise.checks import Target
from dockwise.checks.vulns import VulnerabilityChecker
from dockwise.checks.vulns.ecosystems import os_ecosystems, queries
from dockwise.model import Distro, Package, Severity
from dockwise.versions.rpm import compare as rpm_compare
from dockwise.vulndb.advisory import Advisory, Affected, Exploitation, Range
from tests.checks.conftest import (
    DEBIAN_9,
    DEBIAN_12,
    IMAGE,
    FakeAdvisorySource,
    deb,
    inventory,
    lang,
    osv_records,
)

pytestmark = pytest.mark.usefixtures("corpus_required")


def _check(source, packages, distro=None):
    target = Target(IMAGE, inventory(packages, distro))
    return sorted(VulnerabilityChecker(source).check(target), key=lambda f: f.rule_id)


def _upstream_openssl() -> Advisory:
    """An upstream-style record that would flag every 1.1.0 build: never for Debian."""
    events = (("introduced", "0"), ("fixed", "1.1.1o"))
    return Advisory(
        "UPSTREAM-1", "osv:OSS-Fuzz", aliases=("CVE-2022-1292",),
        affected=(Affected("OSS-Fuzz", "openssl", (Range("ECOSYSTEM", events),)),
                  Affected("Debian:10", "openssl", (Range("ECOSYSTEM", events),))),
    )  # fmt: skip


def test_backported_fix_is_not_reported():
    """DLA-3008-1 fixes openssl in 1.1.0l-1~deb9u6 for Debian 9; upstream fixed 1.1.1o.
    A 1.1.0l-1~deb9u6 build sorts below the upstream fix but carries the back-port."""
    source = FakeAdvisorySource([*osv_records("Debian", "DLA-3008-1"), _upstream_openssl()])
    patched = deb("libssl1.1", "1.1.0l-1~deb9u6", source="openssl")
    assert _check(source, [patched], DEBIAN_9) == []
    assert ("OSS-Fuzz", "openssl") not in source.queries
    assert source.queries == [("Debian:9", "openssl")]  # by source package, own release only


def test_older_debian_build_is_reported_with_the_distro_fix():
    source = FakeAdvisorySource([*osv_records("Debian", "DLA-3008-1"), _upstream_openssl()])
    [finding] = _check(source, [deb("libssl1.1", "1.1.0l-1~deb9u5", source="openssl")], DEBIAN_9)
    assert (finding.rule_id, finding.fixed_version, finding.status) == (
        "CVE-2022-1292", "1.1.0l-1~deb9u6", "fixed",
    )  # fmt: skip
    assert "DLA-3008-1" in finding.aliases  # the record's own id; the CVE is its upstream
    evidence = dict(finding.evidence)
    assert evidence["feed"] == "osv:Debian"
    assert evidence["range"] == "ECOSYSTEM introduced 0, fixed 1.1.0l-1~deb9u6"
    assert evidence["compare"] == "0 <= 1.1.0l-1~deb9u5 < 1.1.0l-1~deb9u6 (dpkg)"
    assert finding.location == finding.package.location


def test_binnmu_is_judged_by_its_source_version():
    source = FakeAdvisorySource(osv_records("Debian", "DLA-3008-1"))
    pkg = deb("libssl1.1", "1.1.0l-1~deb9u5+b1", "openssl", "1.1.0l-1~deb9u5")
    assert [f.rule_id for f in _check(source, [pkg], DEBIAN_9)] == ["CVE-2022-1292"]


def test_other_release_is_never_consulted():
    source = FakeAdvisorySource(osv_records("Debian", "DLA-3008-1"))
    assert _check(source, [deb("libssl1.1", "1.1.0l-1~deb9u1", "openssl")], DEBIAN_12) == []


def _tracker(cve, status, reason="", fixed="", urgency=""):
    events = (("introduced", "0"), ("fixed", fixed)) if fixed else (("introduced", "0"),)
    aff = Affected(
        "Debian:12", "glibc", (Range("ECOSYSTEM", events),), status=status, reason=reason,
        severity=urgency,
    )  # fmt: skip
    return Advisory(cve, "debian-tracker", affected=(aff,))


def test_distro_states_and_rating():
    source = FakeAdvisorySource([
        _tracker("CVE-2023-0001", "no-dsa", "Minor issue", urgency="low"),
        _tracker("CVE-2023-0002", "ignored", "not worth it", urgency="unimportant"),
        _tracker("CVE-2023-0003", "fixed", fixed="2.36-9+deb12u7", urgency="high"),
    ])  # fmt: skip
    findings = _check(source, [deb("libc6", "2.36-9+deb12u4", "glibc")], DEBIAN_12)
    got = [(f.rule_id, f.status, f.severity, f.fixed_version) for f in findings]
    assert got == [
        ("CVE-2023-0001", "no-dsa", Severity.LOW, ""),
        ("CVE-2023-0002", "will-not-fix", Severity.NEGLIGIBLE, ""),
        ("CVE-2023-0003", "fixed", Severity.HIGH, "2.36-9+deb12u7"),
    ]
    assert ("status", "no-dsa (Minor issue)") in findings[0].evidence
    assert ("compare", "0 <= 2.36-9+deb12u4 < 2.36-9+deb12u7 (dpkg)") in findings[2].evidence


def test_distro_fix_outranks_a_stale_open_state():
    dsa = Advisory(
        "DSA-9999-1", "debian-dsa", aliases=("CVE-2023-0004",),
        affected=(Affected("Debian:12", "glibc", (Range("ECOSYSTEM", (("introduced", "0"),
                  ("fixed", "2.36-9+deb12u4"))),)),),
    )  # fmt: skip
    source = FakeAdvisorySource([dsa, _tracker("CVE-2023-0004", "open")])
    assert _check(source, [deb("libc6", "2.36-9+deb12u4", "glibc")], DEBIAN_12) == []


def test_pypi_aliases_merge_and_cve_is_the_id():
    records = osv_records("PyPI", "PYSEC-2023-74", "PYSEC-2014-13")
    ghsa = Advisory(
        "GHSA-j8r2-6x86-q33q", "osv:PyPI", aliases=("CVE-2023-32681",), severity="MODERATE",
        cvss=(("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"),),
        affected=(Affected("PyPI", "requests", (Range("ECOSYSTEM", (("introduced", "2.3.0"),
                  ("fixed", "2.31.0"))),)),),
    )  # fmt: skip
    source = FakeAdvisorySource([*records, ghsa])
    findings = _check(source, [lang("pypi", "Requests", "2.30.0")])
    [finding] = findings
    assert finding.rule_id == "CVE-2023-32681"
    assert finding.aliases == ("GHSA-j8r2-6x86-q33q", "PYSEC-2023-74")
    assert finding.fixed_version == "2.31.0"
    assert finding.severity == Severity.MEDIUM  # from the CVSS vector
    assert [v for k, v in finding.evidence if k == "record"] == [
        "PYSEC-2023-74",
        "GHSA-j8r2-6x86-q33q",
    ]


def test_withdrawn_records_are_skipped():
    [withdrawn] = osv_records("PyPI", "PYSEC-2021-13")
    assert withdrawn.withdrawn
    source = FakeAdvisorySource([withdrawn])
    package = withdrawn.affected[0].package
    assert _check(source, [lang("pypi", package, "1.0.0")]) == []


def test_npm_severity_kev_and_epss():
    source = FakeAdvisorySource(
        osv_records("npm", "GHSA-35jh-r3h4-6jhm", "GHSA-jf85-cpcp-j695"),
        {"CVE-2019-10744": Exploitation(True, "2022-05-03", "Unknown", 0.0451, 0.93)},
    )
    findings = _check(source, [lang("npm", "lodash", "4.17.4")])
    got = {f.rule_id: (f.severity, f.fixed_version) for f in findings}
    assert got == {
        "CVE-2019-10744": (Severity.CRITICAL, "4.17.12"),
        "CVE-2021-23337": (Severity.HIGH, "4.17.21"),
    }
    evidence = dict(next(f for f in findings if f.rule_id == "CVE-2019-10744").evidence)
    assert evidence["kev"] == "CVE-2019-10744 in CISA KEV; due 2022-05-03; ransomware Unknown"
    assert evidence["epss"] == "CVE-2019-10744 0.04510 (percentile 0.930)"


def test_go_stdlib_from_toolchain_version():
    source = FakeAdvisorySource(osv_records("Go", "GO-2021-0067"))
    stdlib = lang("golang", "stdlib", "go1.16.0", purl="pkg:golang/stdlib@1.16.0")
    [finding] = _check(source, [stdlib])
    assert (finding.rule_id, finding.fixed_version) == ("CVE-2021-27919", "1.16.1")
    assert (
        _check(source, [lang("golang", "stdlib", "go1.16.1", "pkg:golang/stdlib@1.16.1")]) == []
    )


def test_go_stdlib_from_purl_alone():
    """Another tool's SBOM names stdlib as its purl does (`1.16.0`, no `go` prefix)."""
    source = FakeAdvisorySource(osv_records("Go", "GO-2021-0067"))
    [finding] = _check(source, [lang("golang", "stdlib", "1.16.0", "pkg:golang/stdlib@1.16.0")])
    assert finding.rule_id == "CVE-2021-27919"


def test_go_main_module_in_devel_is_not_matched():
    """`(devel)` is no version: matching it would compare a word against SemVer ranges."""
    main = lang("golang", "example.com/app", "(devel)", "pkg:golang/example.com/app@%28devel%29")
    assert queries(main, ()) == []


def test_packages_a_distro_package_installed_are_left_to_the_distro():
    """Debian's fzf binary reports go1.19.8, but Debian patches its Go toolchain: the
    fzf package is judged by Debian's advisories, not the binary by upstream Go's."""
    source = FakeAdvisorySource(osv_records("Go", "GO-2021-0067"))
    owned = lang("golang", "stdlib", "go1.16.0", purl="pkg:golang/stdlib@1.16.0")
    owned = dataclasses.replace(owned, owned_by="pkg:deb/debian/fzf@0.38.0-1?distro=debian-12")
    assert _check(source, [owned]) == []


def test_alpine_release_from_point_version():
    events = (("introduced", "0"), ("fixed", "1.36.1-r2"))
    affected = Affected("Alpine:v3.19", "busybox", (Range("ECOSYSTEM", events),))
    adv = Advisory("ALPINE-CVE-1", "alpine-secdb", aliases=("CVE-2023-9999",), affected=(affected,))
    source = FakeAdvisorySource([adv])
    pkg = lang("apk", "ssl_client", "1.36.1-r1", "pkg:apk/alpine/ssl_client@1.36.1-r1")
    pkg = dataclasses.replace(pkg, source_name="busybox")  # apk advisories key by origin
    [finding] = _check(source, [pkg], Distro("alpine", "3.19.1"))
    assert finding.fixed_version == "1.36.1-r2"
    assert ("compare", "0 <= 1.36.1-r1 < 1.36.1-r2 (apk)") in finding.evidence


def test_vendor_vocabulary_maps_onto_itself_and_not_affected_clears():
    """A feed that speaks FIX_STATUSES (Red Hat VEX) keeps its words; a vendor's
    not-affected for the release clears another record's affected verdict."""
    source = FakeAdvisorySource([
        _tracker("CVE-2023-0005", "will-not-fix", "Will not fix"),
        _tracker("CVE-2023-0006", "end-of-life", "Out of support scope"),
        _tracker("CVE-2023-0007", "open"),
        Advisory("RH-CVE-2023-0007", "redhat-csaf-vex", aliases=("CVE-2023-0007",), affected=(
            Affected("Debian:12", "glibc", status="not-affected", reason="code not shipped"),)),
    ])  # fmt: skip
    findings = _check(source, [deb("libc6", "2.36-9+deb12u4", "glibc")], DEBIAN_12)
    assert [(f.rule_id, f.status) for f in findings] == [
        ("CVE-2023-0005", "will-not-fix"), ("CVE-2023-0006", "end-of-life"),
    ]  # fmt: skip


UBUNTU_14 = Distro("ubuntu", "14.04", "trusty")
UBUNTU_22 = Distro("ubuntu", "22.04", "jammy")


def test_ubuntu_pro_ecosystem_name_matches_real_records():
    """The corpus' UBUNTU-CVE-2025-38094 is keyed `Ubuntu:Pro:14.04:LTS` (the kernel under
    ESM, no fix yet), with Ubuntu's priority as its severity entry."""
    source = FakeAdvisorySource(osv_records("Ubuntu", "UBUNTU-CVE-2025-38094"))
    kernel = deb("linux-image-3.13.0-24-generic", "3.13.0-24.47", "linux", "3.13.0-24.47")
    [finding] = _check(source, [kernel], UBUNTU_14)
    assert ("Ubuntu:Pro:14.04:LTS", "linux") in source.queries
    assert ("Ubuntu:14.04:LTS", "linux") in source.queries
    assert (finding.rule_id, finding.status, finding.severity) == (
        "CVE-2025-38094", "open", Severity.MEDIUM,
    )  # fmt: skip
    assert ("ubuntu", "medium") in finding.vendor_severity


def test_a_fix_only_ubuntu_pro_carries_needs_a_subscription():
    source = FakeAdvisorySource([
        Advisory("UBUNTU-CVE-2099-1", "osv:Ubuntu", affected=(Affected(
            "Ubuntu:Pro:22.04:LTS", "curl",
            (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "7.81.0-1ubuntu1.99+esm1"))),)),)),
        Advisory("UBUNTU-CVE-2099-2", "osv:Ubuntu", affected=(Affected(
            "Ubuntu:22.04:LTS", "curl",
            (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "7.81.0-1ubuntu1.20"))),)),)),
    ])  # fmt: skip
    free = _check(source, [deb("curl", "7.81.0-1ubuntu1.15", "curl")], UBUNTU_22)
    assert [(f.rule_id, f.needs_subscription) for f in free] == [
        ("UBUNTU-CVE-2099-1", True), ("UBUNTU-CVE-2099-2", False),
    ]  # fmt: skip
    assert ("subscription", "fixed in 7.81.0-1ubuntu1.99+esm1 by Ubuntu Pro (ESM) only: "
            "needs a subscription") in free[0].evidence  # fmt: skip
    attached = _check(source, [deb("curl", "7.81.0-1ubuntu1.15+esm1", "curl")], UBUNTU_22)
    assert not any(f.needs_subscription for f in attached)  # the image has Pro already


@pytest.mark.parametrize(
    ("distro", "expected"),
    [
        (Distro("sles", "15.5"), ("SUSE:Linux Enterprise Server 15 SP5",
                                  "SUSE:Linux Enterprise Module for Basesystem 15 SP5")),
        (Distro("sles", "15"), ("SUSE:Linux Enterprise Server 15",
                                "SUSE:Linux Enterprise Module for Basesystem 15")),
        (Distro("opensuse-leap", "15.5"), ("openSUSE:Leap 15.5",)),
        (Distro("opensuse-tumbleweed", "20241201"), ("openSUSE:Tumbleweed",)),
        (Distro("rhel", "9.3"), ("Red Hat:enterprise_linux:9",
                                 "Red Hat:enterprise_linux:9::baseos")),
        (Distro("rhel", "7.9"), ("Red Hat:enterprise_linux:7",
                                 "Red Hat:enterprise_linux:7::server")),
        (Distro("centos", "7", name="CentOS Linux"), ("Red Hat:enterprise_linux:7",)),
        (Distro("centos", "9", name="CentOS Stream"), ()),
        (Distro("almalinux", "9.3"), ("AlmaLinux:9",)),
        (Distro("rocky", "9.3"), ("Rocky Linux:9",)),
        (Distro("ubuntu", "22.04"), ("Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS")),
        (Distro("ubuntu", "23.10"), ("Ubuntu:23.10",)),
        (Distro("wolfi", "20230201"), ("Wolfi",)),
        (Distro("chainguard", "20230214"), ("Chainguard",)),
    ],
)  # fmt: skip
def test_enterprise_releases_map_to_osv_ecosystem_names(distro, expected):
    """Names as OSV's ecosystems list spells them (ossf/osv-schema ecosystems.json: SUSE and
    openSUSE by marketing name, Red Hat by CPE stream)."""
    assert os_ecosystems(distro)[: len(expected) or None] == expected


def _rpm(name: str, version: str, source: str = "", label: str = "") -> Package:
    return Package(name, version, "rpm", source_name=source,
                   metadata=(("modularitylabel", label),) if label else ())  # fmt: skip


def test_rpm_names_per_family():
    libs = _rpm("openssl-libs", "1:3.0.7-25.el9_3", "openssl")
    node = _rpm("nodejs", "1:18.14.2-3.module+el9.2.0", label="nodejs:18:9020020230228163431:rhel9")
    names = {eco: [q.name for q in queries(libs, (eco,))] for eco in (
        "Red Hat:enterprise_linux:9", "AlmaLinux:9", "SUSE:Linux Enterprise Server 15 SP5")}
    assert names == {"Red Hat:enterprise_linux:9": ["openssl-libs", "openssl"],
                     "AlmaLinux:9": ["openssl-libs"],
                     "SUSE:Linux Enterprise Server 15 SP5": ["openssl"]}  # fmt: skip
    assert [q.name for q in queries(node, ("Red Hat:enterprise_linux:9::appstream",))] == [
        "nodejs:18/nodejs"
    ]
    assert {q.version for q in queries(libs, ("Red Hat:enterprise_linux:9",))} == {
        "1:3.0.7-25.el9_3"
    }


def test_osv_red_hat_records_judge_binary_rpms_beside_the_vex():
    """OSV's Red Hat records (RHSA ids, the CVEs as `upstream`) name binary rpms with an
    explicit `0:` epoch; Red Hat's VEX names the source rpm. Both judge a RHEL 9 package,
    and merge into one finding per CVE."""
    rhsa = Advisory("RHSA-2099:0001", "osv:Red Hat", aliases=("CVE-2099-2001",), affected=(
        Affected("Red Hat:enterprise_linux:9::appstream", "thunderbird-libs", (Range(
            "ECOSYSTEM", (("introduced", "0"), ("fixed", "0:115.6.0-1.el9_3"))),)),))
    vex = Advisory("CVE-2099-2001", "redhat-csaf-vex", affected=(
        Affected("Red Hat:enterprise_linux:9::appstream", "thunderbird", (Range(
            "ECOSYSTEM", (("introduced", "0"), ("fixed", "115.6.0-1.el9_3"))),),
            status="fixed"),))  # fmt: skip
    source = FakeAdvisorySource([rhsa, vex])
    libs = _rpm("thunderbird-libs", "115.5.0-1.el9_3", "thunderbird")
    [finding] = _check(source, [libs], Distro("rhel", "9.3"))
    assert (finding.rule_id, finding.status) == ("CVE-2099-2001", "fixed")
    assert rpm_compare(finding.fixed_version, "115.6.0-1.el9_3") == 0  # `0:` is no epoch
    assert {v for k, v in finding.evidence if k == "feed"} == {"osv:Red Hat", "redhat-csaf-vex"}
    patched = _rpm("thunderbird-libs", "115.6.0-1.el9_3", "thunderbird")
    assert _check(source, [patched], Distro("rhel", "9.3")) == []
