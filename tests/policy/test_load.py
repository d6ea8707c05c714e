# ruff: noqa: E501 -- expected documents read best on one line
"""A result saved with `--format json` reads back into the same ScanResult, so gating a
saved result gives the verdict of the live one."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from dockwise.answers import Fact, FiveAnswers, Section, Unanswered
from dockwise.model_json import from_json, load_result
from dockwise.policy import evaluate, with_fail_on
from dockwise.report import ReportError, render
from tests.policy.conftest import bad_result

TODAY = dt.date(2024, 6, 1)


def _answers() -> FiveAnswers:
    prov = Section("Where did it come from?", "debian:12 base", (Fact("signature", "signature",
                   "unsigned", "no cosign signature"),), (Unanswered("created", "built", "zeroed"),))  # fmt: skip
    other = Section("?", "v", (Fact("k", "l", "v"),))
    return FiveAnswers(TODAY, prov, other, other, other, other)


def test_round_trip(tmp_path):
    result = _without_file_lists(dataclasses.replace(bad_result(), answers=_answers()))
    path = tmp_path / "result.json"
    path.write_text(render(result, "json"))
    loaded = load_result(path)
    assert loaded == result
    policy = with_fail_on(None, "medium")
    assert evaluate(loaded, policy, TODAY) == evaluate(result, policy, TODAY)


def _without_file_lists(result):
    """Package file lists are saved only on request (`files_count` otherwise)."""
    packages = {p: dataclasses.replace(p, files=()) for p in result.inventory.packages}
    findings = tuple(dataclasses.replace(f, package=packages[f.package]) if f.package else f
                     for f in result.findings)  # fmt: skip
    inventory = dataclasses.replace(result.inventory, packages=tuple(packages.values()))
    return dataclasses.replace(result, inventory=inventory, findings=findings)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"schema": "cyclonedx"}, "x.json: not a saved dockwise result (schema 'cyclonedx')"),
        ({"schema": "dockwise-sbom/1"}, "x.json: malformed dockwise result (KeyError: 'image')"),
    ],
    ids=["foreign", "malformed"],
)
def test_bad_documents_are_one_line(doc, message):
    with pytest.raises(ReportError) as caught:
        from_json(doc, "x.json")
    assert str(caught.value) == message


def test_unreadable(tmp_path):
    with pytest.raises(ReportError, match="cannot read"):
        load_result(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ReportError, match="invalid JSON"):
        load_result(tmp_path / "bad.json")
