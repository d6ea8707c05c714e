"""Feed parsers on small inputs, including hostile ones: skipped, never a traceback."""

from __future__ import annotations

import gzip
import json

import pytest

from dockwise.vulndb.advisory import Range
from dockwise.vulndb.feeds import alpine_secdb, debian_dsa, debian_tracker, epss, kev, osv
from dockwise.vulndb.records import Advisory, EpssScore, FeedInfo, KevEntry, Skipped


def _parse(parser, tmp_path, data: bytes, name: str = "f"):
    path = tmp_path / "file"
    path.write_bytes(data)
    return list(parser(path, name))


def test_feed_urls_upstream_and_mirror():
    assert osv.FEED.url("Rocky%20Linux/all.zip", None) == (
        "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"
    )
    assert debian_tracker.FEED.url("json", "http://m/x/") == "http://m/x/debian/json"
    assert debian_dsa.DSA_FEED.url("DSA/list", "file:///srv") == "file:///srv/debian/DSA/list"


DSA_TEXT = b"""\
[27 Mar 2023] DSA-5379-1 dino-im - security update
\t{CVE-2023-28686}
\t[bullseye] - dino-im 0.2.0-3+deb11u1
\tNOTE: fixed in testing at time of DSA
[12 Jan 2009] DSA-1700-1 lighttpd -- several vulnerabilities
\t{CVE-2008-4298 CVE-2008-4359}
\t[etch] - lighttpd <end-of-life> (unsupported)
\t[lenny] - vlc <not-affected> (Vulnerable code not present)
\t[sid] - lighttpd <unfixed>
\t[hamm-proposed] - lighttpd 1.0
[garbage line
"""


def test_dsa_list_tags(tmp_path):
    first, second, skipped = _parse(
        lambda p, n: debian_dsa.parse(p, n, "debian-dsa"), tmp_path, DSA_TEXT, "DSA/list"
    )
    assert first.summary == "dino-im - security update" and first.published == "2023-03-27"
    assert [(a.ecosystem, a.status) for a in second.affected] == [
        ("Debian:4", "end-of-life"),
        ("Debian:sid", "open"),
    ]
    assert second.affected[0].reason == "unsupported"
    assert second.summary == "lighttpd - several vulnerabilities"
    assert skipped == Skipped("DSA/list:11", "unreadable advisory line '[garbage line'")


def test_tracker_hostile_entries_are_skipped(tmp_path):
    data = {
        "ok": {"CVE-1": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1.0"}}}},
        "bad-fix": {"CVE-2": {"releases": {"bookworm": {"status": "resolved",
                                                        "fixed_version": "<unfixed>"}}}},
        "bad-state": {"CVE-3": {"releases": {"bookworm": {"status": "weird"}}}},
        "not-object": ["CVE-4"],
        "list-releases": {"CVE-5": {"releases": ["bookworm"]}},
        "unknown-release": {"CVE-6": {"releases": {"potato2": {"status": "open"}}}},
    }  # fmt: skip
    records = _parse(debian_tracker.parse, tmp_path, json.dumps(data).encode(), "json")
    advisories = [r for r in records if isinstance(r, Advisory)]
    assert [(a.id, len(a.affected)) for a in advisories] == [("CVE-1", 1), ("CVE-6", 0)]
    assert advisories[0].affected[0].ranges == (
        Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "1.0"))),
    )
    assert len([r for r in records if isinstance(r, Skipped)]) == 4


@pytest.mark.parametrize(
    "data", [b"", b"[]", b"{", b"\xff\xfe"], ids=["empty", "list", "cut", "binary"]
)
def test_tracker_not_json(tmp_path, data):
    (record,) = _parse(debian_tracker.parse, tmp_path, data, "json")
    assert isinstance(record, Skipped)


def test_alpine_zero_means_not_affected(tmp_path):
    data = {"distroversion": "v3.19", "reponame": "main", "packages": [
        {"pkg": {"name": "musl", "secfixes": {
            "0": ["CVE-2020-1"], "1.2.4-r2": ["CVE-2025-26519 X-1"], "1.2.0-r0": [""]}}},
        {"pkg": "nonsense"},
        "not an object",
    ]}  # fmt: skip
    records = _parse(alpine_secdb.parse, tmp_path, json.dumps(data).encode(), "v3.19/main.json")
    advisory, *skipped = records
    assert (advisory.id, advisory.aliases) == ("CVE-2025-26519", ("X-1",))
    assert advisory.affected[0].ecosystem == "Alpine:v3.19"
    assert [type(s) for s in skipped] == [Skipped, Skipped]


def test_epss_rows_and_comment(tmp_path):
    text = "#model_version:v1,score_date:2025-01-01T00:00:00Z\ncve,epss,percentile\n" \
        "CVE-1,0.5,0.9\nCVE-2,nan,0.1\nCVE-3,2,0.1\nCVE-4,x\n"  # fmt: skip
    records = _parse(epss.parse, tmp_path, gzip.compress(text.encode()))
    assert records[:3] == [
        FeedInfo("model_version", "v1"),
        FeedInfo("score_date", "2025-01-01T00:00:00Z"),
        EpssScore("CVE-1", 0.5, 0.9),
    ]
    assert [type(r) for r in records[3:]] == [Skipped] * 3


def test_epss_not_gzip(tmp_path):
    (record,) = _parse(epss.parse, tmp_path, b"cve,epss,percentile\n")
    assert isinstance(record, Skipped)


def test_kev_bad_entries(tmp_path):
    data = {"catalogVersion": "1", "vulnerabilities": [{"cveID": "CVE-1"}, {"cveID": 5}, 7]}
    records = _parse(kev.parse, tmp_path, json.dumps(data).encode())
    assert records[:2] == [FeedInfo("version", "1"), KevEntry("CVE-1")]
    assert [type(r) for r in records[2:]] == [Skipped, Skipped]


def test_osv_ranges_given_as_an_object():
    record = {"id": "ELA-1", "upstream": ["CVE-1"], "affected": [{
        "package": {"ecosystem": "Debian:8", "name": "http-parser"},
        "ranges": {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.1"}]},
    }]}  # fmt: skip
    advisory = osv.advisory(record, "osv:Debian")
    assert advisory.aliases == ("CVE-1",)
    assert advisory.affected[0].ranges[0].events == (("introduced", "0"), ("fixed", "2.1"))


def test_osv_keeps_withdrawn_severity_and_vectors():
    record = {
        "id": "GHSA-x", "withdrawn": "2024-01-01T00:00:00Z", "aliases": ["CVE-9"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}],
        "database_specific": {"severity": "MODERATE"},
        "affected": [{"package": {"ecosystem": "npm", "name": "x"},
                      "ecosystem_specific": {"severity": "low"}}],
    }  # fmt: skip
    advisory = osv.advisory(record, "osv:npm")
    assert advisory.withdrawn == "2024-01-01T00:00:00Z"
    assert advisory.cvss == (("CVSS_V3", "CVSS:3.1/AV:N"),)
    assert advisory.severity == "MODERATE" and advisory.affected[0].severity == "low"
