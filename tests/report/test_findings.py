# ruff: noqa: E501 -- evidence tuples read best on one line
"""Findings in every reporter: table grouped by severity, native JSON against its schema,
CycloneDX `vulnerabilities` against the official 1.6 schema."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise.model import Cvss, Finding, Severity
from dockwise.report import render
from dockwise.report.native_json import load_schema
from tests.report.conftest import PACKAGES

LIBC, OPENSSL, CURL = PACKAGES[1], PACKAGES[2], PACKAGES[3]
FINDINGS = (
    Finding(
        "vulnerability", "CVE-2023-4911", Severity.HIGH, "glibc: buffer overflow in ld.so",
        package=LIBC, location=LIBC.location, fixed_version="2.36-9+deb12u3", status="fixed",
        aliases=("DSA-5514-1",),
        evidence=(("feed", "debian-dsa"), ("record", "DSA-5514-1"),
                  ("range", "ECOSYSTEM introduced 0, fixed 2.36-9+deb12u3"),
                  ("compare", "0 <= 2.36-9+deb12u2 < 2.36-9+deb12u3 (dpkg)"),
                  ("severity", "high from debian urgency high"), ("kev", "CVE-2023-4911 in CISA KEV; due 2023-12-12")),
        severity_source="debian urgency", vendor_severity=(("debian", "high"),),
        cvss=(Cvss("nvd", "3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),),
    ),
    Finding(
        "vulnerability", "CVE-2024-0727", Severity.LOW, "openssl: PKCS12 NULL dereference",
        package=OPENSSL, location=OPENSSL.location, status="no-dsa",
        evidence=(("feed", "debian-tracker"), ("status", "no-dsa (Minor issue)"),
                  ("severity", "low from nvd cvss 3.1 CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:L (3.3)")),
        severity_source="nvd cvss 3.1",
        cvss=(Cvss("nvd:openssl-security@openssl.org", "3.1", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 5.5),
              Cvss("nvd", "3.1", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:L", 3.3)),
    ),
    Finding(
        "vulnerability", "CVE-2023-38545", Severity.CRITICAL, "curl: SOCKS5 heap overflow",
        package=CURL, location=CURL.location, fixed_version="7.88.1-10+deb12u4", status="fixed",
        suppressed="vex not_affected: vulnerable_code_not_in_execute_path",
        evidence=(("feed", "debian-tracker"), ("severity", "Debian:12 rating high")),
    ),
)  # fmt: skip


@pytest.fixture
def scanned(result):
    return dataclasses.replace(result, findings=FINDINGS)


def test_table_groups_by_severity_with_fixed_versions(scanned):
    out = render(scanned, "table")
    assert "Vulnerabilities (3: 1 critical, 1 high, 1 low; 1 of them suppressed)" in out
    critical, high, low = out.index("Critical (1)"), out.index("High (1)"), out.index("Low (1)")
    assert critical < high < low < out.index("Packages (")
    assert "2.36-9+deb12u3" in out and "DSA-5514-1" in out
    assert "suppressed (vex" in out


def test_table_counts_vulnerabilities_apart_from_other_findings(scanned):
    """An end-of-life finding about a package is not a vulnerability: its own heading."""
    eol = Finding("lifecycle", "lifecycle/runtime-eol", Severity.HIGH, "Node.js 18 is end of life",
                  package=OPENSSL, location=OPENSSL.location)  # fmt: skip
    out = render(dataclasses.replace(scanned, findings=(*FINDINGS, eol)), "table")
    assert "Vulnerabilities (3: 1 critical, 1 high, 1 low;" in out
    assert "Other findings (1)" in out and "Findings (" not in out
    assert out.index("lifecycle/runtime-eol") > out.index("Other findings (1)")


def test_table_without_findings_has_no_vulnerability_section(result):
    assert "Findings" not in render(result, "table")


def test_native_json_findings_are_valid(scanned):
    doc = json.loads(render(scanned, "json"))
    jsonschema.Draft202012Validator(load_schema()).validate(doc)
    first = doc["findings"][0]
    assert first["rule_id"] == "CVE-2023-4911" and first["severity"] == "high"
    assert first["package"]["purl"] == LIBC.purl
    assert first["location"]["layer"]["index"] == 0
    assert {"key": "compare", "value": "0 <= 2.36-9+deb12u2 < 2.36-9+deb12u3 (dpkg)"} in first[
        "evidence"
    ]
    assert first["severity_source"] == "debian urgency"
    assert first["vendor_severity"] == {"debian": "high"}
    assert first["cvss"] == [{"source": "nvd", "version": "3.1", "score": 7.8,
                              "vector": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}]  # fmt: skip


def test_cyclonedx_vulnerabilities_are_valid_1_6(scanned):
    out = render(scanned, "cyclonedx-json")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
    doc = json.loads(out)
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"CVE-2023-4911", "CVE-2024-0727", "CVE-2023-38545"}
    glibc = vulns["CVE-2023-4911"]
    assert glibc["affects"] == [{"ref": LIBC.purl}]
    # ratings are a sorted set in CycloneDX: the one dockwise judged by says so
    ratings = {(r["method"], r["source"]["name"]): r for r in glibc["ratings"]}
    assert set(ratings) == {("CVSSv31", "nvd"), ("other", "debian")}
    assert ratings[("CVSSv31", "nvd")]["score"] == 7.8
    assert ratings[("other", "debian")]["justification"] == (
        "debian rates it high; the rating dockwise judged by"
    )
    assert glibc["references"][0]["id"] == "DSA-5514-1"
    assert glibc["recommendation"] == "upgrade libc6 to 2.36-9+deb12u3 or later"
    # CVSS decided: that assessment, with its score and vector, marked; the CNA's beside it
    ratings = {r["source"]["name"]: r for r in vulns["CVE-2024-0727"]["ratings"]}
    nvd, cna = ratings["nvd"], ratings["nvd:openssl-security@openssl.org"]
    assert (nvd["method"], nvd["score"], nvd["severity"]) == ("CVSSv31", 3.3, "low")
    assert nvd["vector"] == "AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:L"  # the library drops the prefix
    assert nvd["justification"] == "the rating dockwise judged by"
    assert (cna["score"], "justification" in cna) == (5.5, False)
    assert vulns["CVE-2023-38545"]["analysis"]["state"] == "not_affected"
