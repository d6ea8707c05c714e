"""OSV range evaluation, per https://ossf.github.io/osv-schema/#evaluation."""

import pytest

from dockwise.checks.vulns.osv_match import evaluate
from dockwise.versions import COMPARATORS
from dockwise.vulndb.advisory import Affected, Range


def _affected(*events, kind="ECOSYSTEM", versions=()):
    return Affected("PyPI", "demo", (Range(kind, tuple(events)),), versions=tuple(versions))


@pytest.mark.parametrize(
    ("events", "version", "affected", "fixed"),
    [
        ((("introduced", "0"), ("fixed", "2.31.0")), "2.30.0", True, "2.31.0"),
        ((("introduced", "0"), ("fixed", "2.31.0")), "2.31.0", False, ""),
        ((("introduced", "2.3.0"), ("fixed", "2.31.0")), "2.2.1", False, ""),
        ((("introduced", "1.0"), ("last_affected", "1.4")), "1.4", True, ""),
        ((("introduced", "1.0"), ("last_affected", "1.4")), "1.4.1", False, ""),
        ((("introduced", "1.0"),), "99", True, ""),
        # Unsorted, as PYSEC-2023-212 writes it: two intervals.
        ((("introduced", "2.0.0"), ("fixed", "2.0.7"), ("introduced", "0"), ("fixed", "1.26.18")),
         "1.26.5", True, "1.26.18"),
        ((("introduced", "2.0.0"), ("fixed", "2.0.7"), ("introduced", "0"), ("fixed", "1.26.18")),
         "1.26.18", False, ""),
        ((("introduced", "2.0.0"), ("fixed", "2.0.7"), ("introduced", "0"), ("fixed", "1.26.18")),
         "2.0.3", True, "2.0.7"),
        ((("introduced", "0"), ("limit", "2.0")), "2.1", False, ""),
        ((("introduced", "0"), ("limit", "2.0")), "1.9", True, ""),
        ((("introduced", "1.0rc1"), ("fixed", "1.0")), "1.0rc2", True, "1.0"),
    ],
    ids=["below_fix", "at_fix", "below_introduced", "at_last_affected", "past_last_affected",
         "open_ended", "unsorted_low", "unsorted_low_fixed", "unsorted_high", "past_limit",
         "under_limit", "pep440_prerelease"],
)  # fmt: skip
def test_ranges(events, version, affected, fixed):
    verdict = evaluate(_affected(*events), version, "pep440", COMPARATORS["pep440"])
    assert (verdict.affected, verdict.fixed if verdict.affected else "") == (affected, fixed)


def test_explanation_names_range_and_comparison():
    verdict = evaluate(
        _affected(("introduced", "2.3.0"), ("fixed", "2.31.0")), "2.30.0", "pep440",
        COMPARATORS["pep440"],
    )  # fmt: skip
    assert verdict.range == "ECOSYSTEM introduced 2.3.0, fixed 2.31.0"
    assert verdict.comparison == "2.3.0 <= 2.30.0 < 2.31.0 (pep440)"


def test_passed_fix_is_reported_as_patched():
    verdict = evaluate(
        _affected(("introduced", "0"), ("fixed", "1.1.0l-1~deb9u6")), "1.1.0l-1~deb9u6", "dpkg",
        COMPARATORS["dpkg"],
    )  # fmt: skip
    assert not verdict.affected and verdict.patched
    assert verdict.comparison == "1.1.0l-1~deb9u6 >= 1.1.0l-1~deb9u6 (dpkg)"


def test_git_ranges_are_skipped_and_versions_list_counts():
    affected = _affected(("introduced", "0"), ("fixed", "abc123"), kind="GIT", versions=["1.2"])
    cmp = COMPARATORS["pep440"]
    assert evaluate(affected, "1.2", "pep440", cmp).affected
    assert not evaluate(affected, "1.3", "pep440", cmp).affected


def test_unparsable_version_gives_no_verdict():
    affected = _affected(("introduced", "0"), ("fixed", "2.0"))
    assert not evaluate(affected, "not a version!", "pep440", COMPARATORS["pep440"]).affected
