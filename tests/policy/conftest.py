# ruff: noqa: E501 -- finding literals read best on one line
"""A hand-built result with one finding of each kind a policy rule looks at, shared by the
policy tests and the CI-format reporter tests (SARIF, JUnit, GitLab, Markdown)."""

from __future__ import annotations

import dataclasses

import pytest

from dockwise.model import Finding, Location, ScanResult, Severity
from tests.report.conftest import BASE, CURL, PACKAGES, make_result

LIBC, OPENSSL, CURL_PKG = PACKAGES[1], PACKAGES[2], PACKAGES[3]
KEV = Finding(
    "vulnerability", "CVE-2023-4911", Severity.HIGH, "glibc: buffer overflow in ld.so",
    package=LIBC, location=LIBC.location, fixed_version="2.36-9+deb12u3", status="fixed",
    aliases=("DSA-5514-1",), references=("https://security-tracker.debian.org/tracker/CVE-2023-4911",),
    evidence=(("feed", "debian-dsa"), ("kev", "CVE-2023-4911 in CISA KEV; due 2023-12-12")),
)  # fmt: skip
UNFIXED = Finding(
    "vulnerability", "CVE-2024-2511", Severity.HIGH, "openssl: unbounded memory growth",
    package=OPENSSL, location=OPENSSL.location, status="open",
)  # fmt: skip
SUPPRESSED = Finding(
    "vulnerability", "CVE-2023-38545", Severity.CRITICAL, "curl: SOCKS5 heap overflow",
    package=CURL_PKG, location=CURL_PKG.location, fixed_version="7.88.1-10+deb12u4",
    suppressed="vex not_affected: vulnerable_code_not_in_execute_path",
)  # fmt: skip
SECRET = Finding(
    "secret", "secret/aws-access-key", Severity.CRITICAL, "AWS access key in app/.env",
    location=Location("app/.env", CURL), evidence=(("excerpt", "AKIA****"),),
)  # fmt: skip
ROOT = Finding("config", "config/root-user", Severity.MEDIUM, "container runs as root",
               evidence=(("user", "(not set)"),), references=("CIS Docker Benchmark v1.6 4.1",))  # fmt: skip
EOL = Finding(
    "lifecycle", "lifecycle/distro-eol", Severity.HIGH, "Debian 9 is end of life",
    location=Location("etc/os-release", BASE), status="end-of-life",
)  # fmt: skip
LOW = Finding("config", "config/no-healthcheck", Severity.LOW, "no HEALTHCHECK instruction")
FINDINGS = (SUPPRESSED, SECRET, KEV, UNFIXED, EOL, ROOT, LOW)


def bad_result() -> ScanResult:
    """demo:latest (Debian 12, built 2024-05-01) with every kind of finding."""
    return dataclasses.replace(make_result(), findings=FINDINGS)


@pytest.fixture
def bad() -> ScanResult:
    return bad_result()
