# ruff: noqa: E501 -- expected documents read best on one line
"""JUnit XML: one test case per policy rule with a verdict, else one per finding kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from dockwise.policy import evaluate, parse_policy
from dockwise.report import render
from dockwise.report.junit import JunitReporter
from tests.policy.conftest import bad_result

POLICY = {"no-secrets": "fail", "non-root": "warn", "known-exploited": "fail",
          "signature": {"action": "warn", "require": "signed"}, "max-age": {"days": 365}}  # fmt: skip


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    (suite,) = root.findall("testsuite")
    return {case.get("name"): case for case in suite.findall("testcase")}


def test_one_case_per_rule():
    result = bad_result()
    verdict = evaluate(result, parse_policy(POLICY, Path("p.toml")), dt.date(2024, 6, 1))
    xml = JunitReporter().render_verdict(result, verdict)
    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures")) == ("5", "2")
    cases = _cases(xml)
    assert list(cases) == ["no-secrets", "non-root", "known-exploited", "signature", "max-age"]
    failure = cases["no-secrets"].find("failure")
    assert failure.get("message") == "1 secret(s) in the image"
    assert failure.text == "secret/aws-access-key critical /app/.env"
    assert cases["non-root"].find("failure") is None
    assert cases["non-root"].find("system-out").text.startswith("WARN the image runs as root\n")
    assert cases["max-age"].find("failure") is None and cases["max-age"].find("system-out") is None


def test_without_policy_one_case_per_kind():
    cases = _cases(render(bad_result(), "junit"))
    assert list(cases) == ["vulnerability", "secret", "config", "suspicious-binary",
                           "provenance", "lifecycle"]  # fmt: skip
    vulns = cases["vulnerability"].find("failure")
    assert vulns.get("message") == "2 vulnerability finding(s)"  # the suppressed one is not
    assert cases["suspicious-binary"].find("failure") is None


def test_hostile_text_stays_well_formed():
    result = bad_result()
    evil = dataclasses.replace(result.findings[1], rule_id="secret/\x1b[2J\x00<x>&")
    xml = render(dataclasses.replace(result, findings=(evil,)), "junit")
    failure = _cases(xml)["secret"].find("failure")
    assert failure.text.startswith("secret/\\x1b[2J\\x00<x>&")
