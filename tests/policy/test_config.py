# ruff: noqa: E501 -- expected messages read best on one line
"""The policy file: what it may say, where it is found, and one-line errors otherwise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dockwise.model import Severity
from dockwise.policy import PolicyError, find_policy, load_policy, with_fail_on

FULL = """
known-exploited = "fail"
non-root = "warn"

[severity]
at-least = "high"
only-fixed = true
kinds = ["vulnerability", "secret"]

[max-age]
action = "warn"
days = 90

[allowed-registries]
registries = ["ghcr.io/acme", "docker.io/library"]

[signature]
require = "signed"

[[ignore]]
id = "CVE-2023-4911"
reason = "not reachable"
expires = 2030-01-01
"""


def write(tmp_path, text: str, name: str = "dockwise.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_full_policy(tmp_path):
    policy = load_policy(write(tmp_path, FULL))
    assert [(r.name, r.action) for r in policy.rules] == [
        ("known-exploited", "fail"), ("non-root", "warn"), ("severity", "fail"),
        ("max-age", "warn"), ("allowed-registries", "fail"), ("signature", "fail"),
    ]  # fmt: skip
    severity = policy.rule("severity")
    assert severity.get("at-least") is Severity.HIGH and severity.get("only-fixed") is True
    assert severity.get("kinds") == ("vulnerability", "secret")
    assert policy.rule("max-age").get("days") == 90
    (entry,) = policy.ignore
    assert (entry.id, entry.reason, entry.expires) == ("CVE-2023-4911", "not reachable",
                                                       dt.date(2030, 1, 1))  # fmt: skip


def test_pyproject_table_and_lookup(tmp_path):
    assert find_policy(tmp_path) is None
    write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert find_policy(tmp_path) is None  # no [tool.dockwise]: not a policy
    path = write(tmp_path, '[tool.dockwise]\nno-secrets = "fail"\n', "pyproject.toml")
    assert find_policy(tmp_path) == path
    assert [r.name for r in load_policy(path).rules] == ["no-secrets"]
    own = write(tmp_path, 'non-root = "fail"\n')
    assert find_policy(tmp_path) == own  # dockwise.toml wins


def test_ignore_file_is_the_suppression_file(tmp_path):
    (tmp_path / "ignore.yaml").write_text("ignore:\n  - {id: CVE-1, reason: why}\n")
    policy = load_policy(write(tmp_path, 'ignore-file = "ignore.yaml"\nnon-root = "fail"\n'))
    assert [r.id for r in policy.ignore] == ["CVE-1"]


def test_fail_on_keeps_the_policy_narrowing(tmp_path):
    policy = load_policy(write(tmp_path, '[severity]\nat-least = "critical"\nkinds = ["secret"]\n'))
    rule = with_fail_on(policy, "medium").rule("severity")
    assert rule.get("at-least") is Severity.MEDIUM and rule.get("kinds") == ("secret",)
    bare = with_fail_on(None, "high")
    assert bare.rule("severity").get("kinds") is None and bare.source == "--fail-on high"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('non-rot = "fail"', "unknown rule `non-rot` (known: severity, "),
        ('[severity]\nat-least = "high"\nonly_fixed = true', "severity: unknown key `only_fixed` (allowed: action, at-least, only-fixed, kinds, unknown)"),
        ('[severity]\nat-least = "severe"', "severity.at-least must be a severity: unknown, negligible, low, medium, high or critical, not 'severe'"),
        ("[severity]\nonly-fixed = true", "severity needs `at-least`"),
        ('non-root = "block"', "non-root.action must be \"fail\" or \"warn\", not 'block'"),
        ("[max-age]\ndays = -3", "max-age.days must be a whole number of days above 0, not -3"),
        ('[severity]\nat-least = "low"\nkinds = ["vuln"]', "severity.kinds must be finding kinds among vulnerability,"),
        ("[allowed-bases]\nbases = []", "allowed-bases.bases must be a non-empty list of strings, not []"),
        ('[signature]\nrequire = "maybe"', "signature.require must be one of verified, signed, not 'maybe'"),
        ("non-root = 1", "`non-root` must be a table or \"fail\"/\"warn\""),
        ("[[ignore]]\nid = \"CVE-1\"", "ignore entry 1 needs an `id` and a `reason`"),
        ('[[ignore]]\nid = "CVE-1"\nreason = "r"\nexpires = "soon"', "ignore entry 1: expires 'soon' is not YYYY-MM-DD"),
        ('ignore-file = "missing.yaml"', "missing.yaml: cannot read (No such file or directory)"),
        ("severity = [", "invalid TOML: "),
    ],
    ids=["unknown_rule", "unknown_key", "bad_severity", "missing_option", "bad_action",
         "bad_days", "bad_kind", "empty_list", "bad_signature", "not_a_table",
         "ignore_without_reason", "ignore_bad_date", "missing_ignore_file", "bad_toml"],
)  # fmt: skip
def test_errors_are_one_line(tmp_path, text, message):
    with pytest.raises(PolicyError) as caught:
        load_policy(write(tmp_path, text))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_pyproject_without_table(tmp_path):
    with pytest.raises(PolicyError, match=r"no \[tool.dockwise\] table"):
        load_policy(write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml"))


def test_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.toml")


def test_the_documented_example_is_valid():
    example = Path(__file__).resolve().parents[2] / "docs" / "dockwise.toml"
    policy = load_policy(example)
    assert len(policy.rules) == 9 and len(policy.ignore) == 1
