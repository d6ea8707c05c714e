# ruff: noqa: E501 -- expected documents read best on one line
"""SARIF 2.1.0: validated against the official schema; stable ids, levels, image paths
with layers, fingerprints, suppressions, and the verdict in the run's properties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from dockwise.policy import evaluate, with_fail_on
from dockwise.report import render
from dockwise.report.sarif import SarifReporter
from tests.policy.conftest import KEV, bad_result

SCHEMA = Path("/work/shared/schemas/sarif-schema-2.1.0.json")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    assert SCHEMA.is_file(), f"SARIF schema not found at {SCHEMA}"
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _doc() -> dict:
    return json.loads(render(bad_result(), "sarif"))


def test_validates_against_the_official_schema(validator):
    validator.validate(_doc())
    empty = dataclasses.replace(bad_result(), findings=())
    validator.validate(json.loads(render(empty, "sarif")))


def test_rules_are_stable_ids_with_metadata():
    run = _doc()["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert list(rules) == ["CVE-2023-38545", "secret/aws-access-key", "CVE-2023-4911",
                           "CVE-2024-2511", "lifecycle/distro-eol", "config/root-user",
                           "config/no-healthcheck"]  # fmt: skip
    kev = rules["CVE-2023-4911"]
    assert kev["helpUri"] == "https://nvd.nist.gov/vuln/detail/CVE-2023-4911"
    assert kev["shortDescription"]["text"] == "glibc: buffer overflow in ld.so"
    assert kev["fullDescription"]["text"].startswith("CVE-2023-4911 (also DSA-5514-1): ")
    assert kev["properties"]["security-severity"] == "8.0"
    assert rules["secret/aws-access-key"]["properties"]["security-severity"] == "9.5"
    assert rules["config/no-healthcheck"]["defaultConfiguration"]["level"] == "note"


def test_results_levels_locations_and_layers():
    run = _doc()["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    secret = by_rule["secret/aws-access-key"]
    assert secret["level"] == "error"
    (location,) = secret["locations"]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "app/.env",
                                                                "uriBaseId": "IMAGEROOT"}  # fmt: skip
    assert location["properties"]["layer"]["index"] == 1
    assert secret["properties"]["layer"]["diff_id"] == "sha256:" + "2" * 64
    root = by_rule["config/root-user"]  # no path: the image itself
    assert root["level"] == "warning"
    assert root["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "demo:latest"}
    assert run["originalUriBaseIds"]["IMAGEROOT"]["uri"] == "file:///"
    kev = by_rule["CVE-2023-4911"]
    assert kev["message"]["text"] == (
        f"libc6 {KEV.package.version}: CVE-2023-4911 (high) glibc: buffer overflow in ld.so. "
        "Fixed in 2.36-9+deb12u3."
    )
    assert run["results"][kev["ruleIndex"]]["ruleId"] != "" and \
        run["tool"]["driver"]["rules"][kev["ruleIndex"]]["id"] == "CVE-2023-4911"  # fmt: skip


def test_suppressed_findings_are_marked_not_dropped():
    curl = _doc()["runs"][0]["results"][0]
    assert curl["ruleId"] == "CVE-2023-38545"
    assert curl["suppressions"] == [{"kind": "external", "justification":
                                     "vex not_affected: vulnerable_code_not_in_execute_path"}]  # fmt: skip


def test_fingerprints_are_stable_and_distinct():
    first = [r["partialFingerprints"]["dockwiseFinding/v1"] for r in _doc()["runs"][0]["results"]]
    assert first == [r["partialFingerprints"]["dockwiseFinding/v1"]
                     for r in _doc()["runs"][0]["results"]]  # fmt: skip
    assert len(set(first)) == len(first)


def test_verdict_in_run_properties(validator):
    result = bad_result()
    verdict = evaluate(result, with_fail_on(None, "high"), dt.date(2024, 6, 1))
    doc = json.loads(SarifReporter().render_verdict(result, verdict))
    validator.validate(doc)
    assert doc["runs"][0]["properties"]["verdict"]["passed"] is False


def test_line_evidence_becomes_a_region_and_dockerfiles_are_not_in_the_image():
    import json as _json

    from dockwise.model import Finding, ImageInfo, Inventory, Location, ScanResult, Severity
    from dockwise.report import render

    finding = Finding(
        "dockerfile", "dockerfile/DW101", Severity.MEDIUM, "pin apt packages",
        location=Location("Dockerfile"), evidence=(("line", "7"),),
    )  # fmt: skip
    result = ScanResult(ImageInfo("Dockerfile", "dockerfile"), Inventory(None, ()),
                        findings=(finding,))  # fmt: skip
    physical = _json.loads(render(result, "sarif"))["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]
    assert physical["region"] == {"startLine": 7}
    assert "uriBaseId" not in physical["artifactLocation"]
