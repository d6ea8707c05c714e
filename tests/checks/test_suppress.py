"""Ignore files (YAML and TOML) with expiry, and OpenVEX statements."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dockwise.checks.suppress import SuppressionError, load, purl_matches
from dockwise.model import Finding, Severity
from tests.checks.conftest import deb, lang

TODAY = dt.date(2025, 1, 15)


def _finding(rule_id="CVE-2023-32681", aliases=("GHSA-j8r2-6x86-q33q",), pkg=None):
    pkg = pkg or lang("pypi", "requests", "2.30.0")
    return Finding("vulnerability", rule_id, Severity.MEDIUM, "t", pkg, aliases=aliases)


YAML = """
ignore:
  - id: GHSA-j8r2-6x86-q33q
    purl: "pkg:pypi/requests@*"
    reason: proxies are never used
    expires: 2025-06-30
  - id: CVE-2022-1292
    reason: c_rehash is not shipped
    expires: 2024-12-31
"""
TOML = """
[[ignore]]
id = "GHSA-j8r2-6x86-q33q"
purl = "pkg:pypi/requests@*"
reason = "proxies are never used"
expires = 2025-06-30

[[ignore]]
id = "CVE-2022-1292"
reason = "c_rehash is not shipped"
expires = "2024-12-31"
"""


@pytest.mark.parametrize(("name", "body"), [("ignore.yaml", YAML), ("ignore.toml", TOML)],
                         ids=["yaml", "toml"])  # fmt: skip
def test_ignore_file_by_alias_and_purl_with_expiry(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body)
    openssl = _finding("CVE-2022-1292", (), deb("libssl1.1", "1.1.0l-1~deb9u5", "openssl"))
    other = _finding(pkg=lang("pypi", "urllib3", "1.26.0"))
    findings, warnings = load(str(path)).apply([_finding(), openssl, other], TODAY)
    assert [f.suppressed for f in findings] == ["ignored: proxies are never used", "", ""]
    assert [w.message for w in warnings] == [
        "ignore rule for CVE-2022-1292 (libssl1.1) expired on 2024-12-31; "
        "the finding is reported again"
    ]


def test_rule_expiring_today_no_longer_suppresses(tmp_path):
    path = tmp_path / "ignore.yaml"
    path.write_text("ignore:\n  - {id: CVE-2023-32681, reason: r, expires: 2025-01-15}\n")
    [finding], [warning] = load(str(path)).apply([_finding()], TODAY)
    assert finding.suppressed == "" and "expired on 2025-01-15" in warning.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("ignore: {id: x}\n", "expected a top-level `ignore` list"),
        ("ignore:\n  - {id: x}\n", "needs an `id` and a `reason`"),
        ("ignore:\n  - {id: x, reason: y, expires: soon}\n", "is not YYYY-MM-DD"),
        ("ignore: [\n", "invalid yaml"),
    ],
    ids=["not_a_list", "no_reason", "bad_date", "bad_yaml"],
)
def test_bad_ignore_files_are_one_line_errors(tmp_path, body, message):
    path = tmp_path / "ignore.yaml"
    path.write_text(body)
    with pytest.raises(SuppressionError, match=message):
        load(str(path))


def _vex(tmp_path, *statements):
    doc = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        "author": "ops",
        "timestamp": "2024-06-01T00:00:00Z",
        "version": 1,
        "statements": list(statements),
    }
    path = tmp_path / f"vex{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_openvex_not_affected_and_fixed(tmp_path):
    image = {"@id": "pkg:oci/app@sha256%3Aabc", "subcomponents": [{"@id": "pkg:pypi/requests"}]}
    not_affected = {
        "vulnerability": {"name": "CVE-2023-32681"},
        "products": [image],
        "status": "not_affected",
        "justification": "vulnerable_code_not_in_execute_path",
    }
    fixed = {
        "vulnerability": {"name": "CVE-2022-1292"},
        "products": [{"@id": "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64"}],
        "status": "fixed",
        "impact_statement": "patched in our own build",
    }
    under = {"vulnerability": "CVE-2020-0001", "products": ["pkg:pypi/urllib3"],
             "status": "under_investigation"}  # fmt: skip
    openssl = _finding("CVE-2022-1292", (), deb("libssl1.1", "1.1.0l-1~deb9u5", "openssl"))
    urllib3 = _finding("CVE-2020-0001", (), lang("pypi", "urllib3", "1.26.0"))
    suppressions = load(None, [_vex(tmp_path, not_affected, fixed), _vex(tmp_path, under)])
    findings, _ = suppressions.apply([_finding(), openssl, urllib3], TODAY)
    assert [f.suppressed for f in findings] == [
        "vex not_affected: vulnerable_code_not_in_execute_path",
        "vex fixed: patched in our own build",
        "",
    ]


def test_later_vex_statement_wins(tmp_path):
    base = {"vulnerability": {"name": "CVE-2023-32681"}, "products": ["pkg:pypi/requests"]}
    path = _vex(tmp_path, {**base, "status": "not_affected", "justification": "x"},
                {**base, "status": "affected"})  # fmt: skip
    [finding], _ = load(None, [path]).apply([_finding()], TODAY)
    assert finding.suppressed == ""


@pytest.mark.parametrize(
    ("pattern", "purl", "want"),
    [
        ("pkg:pypi/requests", "pkg:pypi/requests@2.30.0", True),
        ("pkg:pypi/requests@2.30.0", "pkg:pypi/requests@2.30.0", True),
        ("pkg:pypi/requests@2.31.0", "pkg:pypi/requests@2.30.0", False),
        ("pkg:deb/debian/curl?arch=amd64", "pkg:deb/debian/curl@7.88?arch=amd64&distro=d", True),
        ("pkg:deb/debian/curl?arch=arm64", "pkg:deb/debian/curl@7.88?arch=amd64", False),
        ("pkg:npm/requests", "pkg:pypi/requests@2.30.0", False),
    ],
    ids=["versionless", "same_version", "other_version", "qualifier_subset",
         "qualifier_differs", "other_type"],
)  # fmt: skip
def test_purl_matching(pattern, purl, want):
    assert purl_matches(pattern, purl) is want
