"""A real severity for every finding, and where it came from: the distro's word for OS
packages, else CVSS from any record of the vulnerability (NVD's included; 4.0 > 3.1 >
3.0 > 2.0), else GHSA's plain rating. Real PYSEC and NVD records from the shared corpus."""

from __future__ import annotations

import pytest
from corpus import CORPUS

from dockwise.checks import Target
from dockwise.checks.vulns import VulnerabilityChecker
from dockwise.checks.vulns.severity import rate, score
from dockwise.model import Cvss, Severity
from dockwise.vulndb.advisory import Advisory, Affected, CveRecord, Range
from dockwise.vulndb.feeds import nvd
from tests.checks import conftest as fx

pytestmark = pytest.mark.usefixtures("corpus_required")
DJANGO_VECTOR = "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"


def _nvd(*ids: str) -> list[CveRecord]:
    """NVD's records of these CVEs from the corpus' yearly files, parsed as `db update` does."""
    years = {i.split("-")[1] for i in ids}
    found = [r for y in sorted(years)
             for r in nvd.parse(CORPUS / "nvd" / f"nvdcve-2.0-{y}.json.gz", y)]  # fmt: skip
    return [r for r in found if isinstance(r, CveRecord) and r.id in ids]


def _ghsa_django() -> Advisory:
    """GHSA-7rp2-fm2h-wchj as GitHub publishes it (the corpus has no PyPI GHSA records)."""
    events = (("introduced", "2.2"), ("fixed", "2.2.2"))
    return Advisory(
        "GHSA-7rp2-fm2h-wchj", "osv:PyPI", aliases=("CVE-2019-12308",), severity="MODERATE",
        summary="Django Cross-site Scripting (XSS) vulnerability in AdminURLFieldWidget",
        cvss=(("CVSS_V3", DJANGO_VECTOR),),
        affected=(Affected("PyPI", "django", (Range("ECOSYSTEM", events),)),),
    )  # fmt: skip


def _one(source, package, distro=None):
    target = Target(fx.IMAGE, fx.inventory([package], distro))
    [finding] = VulnerabilityChecker(source).check(target)
    return finding


def test_django_is_medium_from_its_ghsa_alias_cvss_3_0():
    records = [*fx.osv_records("PyPI", "PYSEC-2019-79"), _ghsa_django()]
    source = fx.FakeAdvisorySource(records, cves=_nvd("CVE-2019-12308"))
    finding = _one(source, fx.lang("pypi", "Django", "2.2"))
    assert (finding.rule_id, finding.severity) == ("CVE-2019-12308", Severity.MEDIUM)
    assert finding.severity_source == "ghsa cvss 3.0"  # the record's own before NVD's copy
    assert dict(finding.evidence)["severity"] == (  # the explanation names every rating
        f"medium from ghsa cvss 3.0 {DJANGO_VECTOR} (6.1); "
        "also nvd cvss 3.0 6.1, nvd cvss 2.0 4.3, ghsa MODERATE"
    )
    assert finding.cvss == (
        Cvss("ghsa", "3.0", DJANGO_VECTOR, 6.1),
        Cvss("nvd", "3.0", DJANGO_VECTOR, 6.1),
        Cvss("nvd", "2.0", "AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
    )
    assert finding.vendor_severity == (("ghsa", "MODERATE"),)
    assert finding.title == "Django Cross-site Scripting (XSS) vulnerability in AdminURLFieldWidget"


def test_pysec_only_finding_gets_cvss_and_title_from_nvd():
    pysec = fx.osv_records("PyPI", "PYSEC-2023-227")
    source = fx.FakeAdvisorySource(pysec, cves=_nvd("CVE-2023-44271"))
    finding = _one(source, fx.lang("pypi", "Pillow", "9.3.0"))
    assert (finding.severity, finding.severity_source) == (Severity.HIGH, "nvd cvss 3.1")
    assert finding.title == "An issue was discovered in Pillow before 10.0.0."
    without_nvd = _one(fx.FakeAdvisorySource(pysec), fx.lang("pypi", "Pillow", "9.3.0"))
    assert (without_nvd.severity, without_nvd.severity_source) == (Severity.UNKNOWN, "")
    assert dict(without_nvd.evidence)["severity"] == "no rating in any record"
    assert without_nvd.title == "An issue was discovered in Pillow before 10.0.0."  # OSV details


def _tracker(urgency: str) -> Advisory:
    aff = Affected("Debian:12", "glibc", (Range("ECOSYSTEM", (("introduced", "0"),)),),
                   status="open", severity=urgency)  # fmt: skip
    return Advisory("CVE-2019-12308", "debian-tracker", affected=(aff,))


def test_os_packages_take_the_distro_word_over_cvss():
    source = fx.FakeAdvisorySource([_tracker("low**")], cves=_nvd("CVE-2019-12308"))
    finding = _one(source, fx.deb("libc6", "2.36-9", "glibc"), fx.DEBIAN_12)
    assert (finding.severity, finding.severity_source) == (Severity.LOW, "debian urgency")
    assert finding.vendor_severity == (("debian", "low**"),)
    assert dict(finding.evidence)["severity"] == (
        "low from debian urgency low**; also nvd cvss 3.0 6.1, nvd cvss 2.0 4.3"
    )
    assert [c.source for c in finding.cvss] == ["nvd", "nvd"]  # kept beside it


def test_an_unassigned_distro_word_falls_through_to_cvss():
    source = fx.FakeAdvisorySource([_tracker("not yet assigned")], cves=_nvd("CVE-2019-12308"))
    finding = _one(source, fx.deb("libc6", "2.36-9", "glibc"), fx.DEBIAN_12)
    assert (finding.severity, finding.severity_source) == (Severity.MEDIUM, "nvd cvss 3.0")


def test_newest_cvss_version_first_then_nvd_own_before_a_cna():
    ghsa = Advisory("GHSA-x", "osv:npm", cvss=(
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L"),  # 5.0 medium
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L"),  # 2.3
    ))  # fmt: skip
    rating = rate([ghsa], [], [])
    assert (rating.severity, rating.source) == (Severity.LOW, "ghsa cvss 4.0")
    [urllib3] = _nvd("CVE-2023-43804")  # NVD 8.1 and GitHub (as a CNA) 5.9, both 3.1
    rating = rate([], [], [urllib3])
    assert (rating.severity, rating.source) == (Severity.HIGH, "nvd cvss 3.1")
    assert rating.note.endswith("(8.1); also nvd:security-advisories@github.com cvss 3.1 5.9")


def test_cvss2_is_scored_and_banded_as_nvd_does():
    v2 = Advisory("PYSEC-1", "osv:PyPI", cvss=(("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),))
    rating = rate([v2], [], [])
    assert (rating.severity, rating.source, rating.cvss[0].score) == (
        Severity.HIGH, "pysec cvss 2.0", 7.5,
    )  # fmt: skip


def test_invalid_vectors_and_words_rate_nothing():
    junk = Advisory("GHSA-y", "osv:npm", severity="SEVERE",
                    cvss=(("CVSS_V3", "CVSS:3.1/AV:X"), ("Ubuntu", "medium")))  # fmt: skip
    rating = rate([junk], [], [])
    assert (rating.severity, rating.source) == (Severity.UNKNOWN, "")
    assert rating.cvss == (Cvss("ghsa", "3.1", "CVSS:3.1/AV:X", None),)
    assert rating.note == "no rating in any record; ghsa cvss 3.1 invalid; ghsa SEVERE"
    assert score("CVSS:3.1/AV:X", "3.1") is None
