"""The direct SBOM writers say what the library-model writers said (issue 20 target 2).

`legacy/` holds the writers as they were, built on cyclonedx-python-lib's and
spdx-tools' object models; both outputs are compared as data, lists as sets, since
the libraries sort what the formats define as unordered."""

from __future__ import annotations

import dataclasses
import json

import pytest
from test_findings import FINDINGS

from dockwise.report.cyclonedx import CycloneDxJsonReporter
from dockwise.report.spdx import SpdxJsonReporter
from tests.report.legacy import cyclonedx_lib, spdx_lib

PAIRS = {
    "cyclonedx-json": (CycloneDxJsonReporter(), cyclonedx_lib.CycloneDxJsonReporter()),
    "spdx-json": (SpdxJsonReporter(), spdx_lib.SpdxJsonReporter()),
}


def as_sets(value: object) -> object:
    if isinstance(value, dict):
        return {k: as_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((as_sets(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def same(result, name: str) -> tuple[object, object]:
    new, old = PAIRS[name]
    return as_sets(json.loads(new.render(result))), as_sets(json.loads(old.render(result)))


@pytest.mark.parametrize("name", PAIRS)
def test_same_meaning_on_the_report_fixture(result, name):
    new, old = same(dataclasses.replace(result, findings=FINDINGS), name)
    assert new == old
