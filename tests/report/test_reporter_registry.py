import json

import pytest

from dockwise.report import REPORTERS, ReportError, render, reporter


def test_registry_names_are_the_format_choices():
    assert list(REPORTERS)[:4] == ["table", "json", "cyclonedx-json", "spdx-json"]
    assert {"sarif", "html"} <= set(REPORTERS)
    assert all(reporter(name).name == name for name in REPORTERS)


@pytest.mark.parametrize("fmt", list(REPORTERS), ids=lambda f: f.replace("-", "_"))
def test_render_dispatches(result, fmt):
    assert render(result, fmt) == reporter(fmt).render(result)


def test_json_formats_parse(result):
    assert json.loads(render(result, "json"))["schema"] == "dockwise-sbom/1"
    assert json.loads(render(result, "cyclonedx-json"))["bomFormat"] == "CycloneDX"


def test_unknown_format_is_a_report_error(result):
    with pytest.raises(ReportError, match="^spdx: unknown output format"):
        render(result, "spdx")
