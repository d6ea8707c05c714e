"""The rule data and the check registry agree, and findings have the shared shape."""

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
