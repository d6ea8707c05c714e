# ruff: noqa: E501 -- expected documents read best on one line
"""GitLab container-scanning report: validated against a schema written from GitLab's
docs (tests/report/schemas/, see its description: the official file was not reachable)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema

from dockwise.report import render
from tests.policy.conftest import KEV, bad_result

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "gitlab-container-scanning-15.json").read_text()
)


def _doc(result=None) -> dict:
    return json.loads(render(result or bad_result(), "gitlab"))


def test_validates_and_keeps_only_package_vulnerabilities():
    doc = _doc()
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    # the suppressed curl finding, the secret, the settings and the EOL are not in it
    assert [v["identifiers"][0]["value"] for v in doc["vulnerabilities"]] == [
        "CVE-2023-4911", "CVE-2024-2511"]  # fmt: skip


def test_vulnerability_fields():
    kev = _doc()["vulnerabilities"][0]
    assert kev["severity"] == "High"
    assert kev["name"] == "CVE-2023-4911 in libc6"
    assert kev["solution"] == "Upgrade libc6 to 2.36-9+deb12u3"
    assert kev["location"] == {
        "dependency": {"package": {"name": "libc6"}, "version": KEV.package.version},
        "operating_system": "debian 12",
        "image": "demo:latest",
    }
    assert kev["identifiers"] == [
        {"type": "cve", "name": "CVE-2023-4911", "value": "CVE-2023-4911",
         "url": "https://nvd.nist.gov/vuln/detail/CVE-2023-4911"},
        {"type": "dsa", "name": "DSA-5514-1", "value": "DSA-5514-1",
         "url": "https://security-tracker.debian.org/tracker/DSA-5514-1"},
    ]  # fmt: skip
    assert kev["links"] == [{"url": "https://security-tracker.debian.org/tracker/CVE-2023-4911"}]
    unfixed = _doc()["vulnerabilities"][1]
    assert unfixed["solution"] == "No fixed version of openssl is known (open)"


def test_ids_are_stable_and_scan_metadata():
    doc = _doc()
    assert [v["id"] for v in doc["vulnerabilities"]] == [v["id"] for v in _doc()["vulnerabilities"]]
    scan = doc["scan"]
    assert (scan["type"], scan["status"], scan["start_time"]) == (
        "container_scanning", "success", "2024-06-01T08:30:00")  # fmt: skip
    assert scan["analyzer"]["id"] == "dockwise" and scan["scanner"]["version"] == "0.1.0"


def test_no_distro_is_unknown_os():
    result = bad_result()
    bare = dataclasses.replace(result, inventory=dataclasses.replace(result.inventory, distro=None))
    assert _doc(bare)["vulnerabilities"][0]["location"]["operating_system"] == "Unknown"
