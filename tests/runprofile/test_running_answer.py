"""The sixth answer, "How should it run?", in every output that carries the answers."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dockwise.model_json import from_json, to_json
from dockwise.options import Options
from dockwise.pipeline.check import ScanSettings, scan
from dockwise.report import render
from tests.checks.conftest import FakeAdvisorySource

TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def scanned(images):
    settings = ScanSettings(FakeAdvisorySource([]), today=TODAY)
    return scan(Options(images["port-80"], no_cache=True), settings)


def test_the_section_holds_the_profile_with_reasons(scanned):
    running = scanned.answers.running
    facts = {f.key: f for f in running.facts}
    assert running.question == "How should it run?"
    assert running.verdict.startswith("as uid 1000, read-only root with 2 writable paths")
    assert facts["capabilities.add.NET_BIND_SERVICE"].evidence == "EXPOSE 80/tcp is below 1024"
    assert facts["mount./app/cache"].value == "tmpfs"
    assert facts["allow_privilege_escalation"].value == "false"


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json"])
def test_every_answers_format_shows_it(scanned, fmt):
    text = render(scanned, fmt)
    assert "How should it run?" in text
    assert "as uid 1000" in text


def test_json_round_trips_it(scanned):
    doc = json.loads(render(scanned, "json"))
    assert doc["answers"]["sections"]["running"]["question"] == "How should it run?"
    assert from_json(json.loads(json.dumps(to_json(scanned)))).answers == scanned.answers
