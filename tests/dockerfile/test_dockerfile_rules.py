"""The rule data and the check registry agree, and findings have the shared shape."""

import pytest

from dockwise.dockerfile.lint import lint
from dockwise.dockerfile.rules import CHECKS, hadolint_map, rules
from dockwise.model import Severity


def test_every_rule_has_metadata_and_a_check():
    assert [r.id for r in rules()] == sorted(CHECKS)
    assert all(r.severity is not Severity.UNKNOWN and r.title and r.why for r in rules())


def test_hadolint_ids_map_to_one_rule_each():
    mapped = [dl for r in rules() for dl in r.hadolint]
    assert len(mapped) == len(set(mapped)) == len(hadolint_map())


def test_finding_shape_and_masked_secret():
    (finding,) = lint("ENV DB_PASSWORD=hunter2hunter2\n", path="x/Dockerfile").findings
    assert (finding.kind, finding.rule_id, finding.severity) == (
        "dockerfile", "dockerfile/DW019", Severity.HIGH)  # fmt: skip
    assert finding.location.path == "x/Dockerfile"
    evidence = dict(finding.evidence)
    assert evidence["line"] == "1" and "hunter2" not in evidence["instruction"]
    assert evidence["hadolint"] == "DL3064" and "hunter2" not in finding.title


def test_inline_hadolint_pragma_is_honoured():
    text = "FROM alpine:3.20\nHEALTHCHECK NONE\n# hadolint ignore=DL3018\nRUN apk add --no-cache x"
    assert lint(text).findings == ()


def test_heredoc_run_is_checked():
    text = "FROM debian:12\nHEALTHCHECK NONE\nRUN <<EOF\napt-get update\nEOF\n"
    assert {f.rule_id for f in lint(text).findings} == {"dockerfile/DW102", "dockerfile/DW120"}


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        pytest.param("builder", True, id="misspelt_stage"),
        pytest.param("BUILD", False, id="stage_names_ignore_case"),
        pytest.param("0", False, id="earlier_index"),
        pytest.param("2", True, id="later_index"),
        pytest.param("debian", True, id="bare_word_is_not_an_image"),
        pytest.param("nginx:1.27", False, id="tagged_image"),
        pytest.param("ghcr.io/org/tool", False, id="qualified_image"),
        pytest.param("alpine@sha256:" + "0" * 64, False, id="digest_image"),
    ],
)
def test_copy_from_names_an_earlier_stage_or_an_image(source, flagged):
    """hadolint DL3022: a --from that is neither a stage defined so far nor an image
    reference (`:`, `/` or `@`: a stage name can hold none of them) is a mistake."""
    text = f"FROM golang:1.22 AS build\nFROM debian:12\nCOPY --from={source} /a /a\n"
    hits = [f for f in lint(text).findings if f.rule_id == "dockerfile/DW008"]
    assert [f.title.rsplit(": ", 1)[-1] for f in hits] == ([source] if flagged else [])


def test_copy_from_a_name_reused_later_is_the_earlier_stage():
    text = "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /a /a\nFROM c:1 AS build\n"
    assert "dockerfile/DW008" not in {f.rule_id for f in lint(text).findings}
