"""The nvd feed: NVD's JSON 2.0 yearly files from the shared corpus, parsed and stored;
hostile files are skipped with a reason, record by record where they can be."""

from __future__ import annotations

import gzip
import json

import pytest
from corpus import CORPUS
from feed_mirror import FAST

from dockwise.model import Cvss
from dockwise.vulndb.advisory import CveRecord
from dockwise.vulndb.feeds import FEEDS, nvd
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.records import Skipped
from dockwise.vulndb.store import VulnDb
from dockwise.vulndb.update import update

NVD = CORPUS / "nvd"


def _file(tmp_path, data: bytes):
    path = tmp_path / "feed.json.gz"
    path.write_bytes(data)
    return path


def _feed(*items: object) -> bytes:
    doc = {"format": "NVD_CVE", "version": "2.0", "vulnerabilities": list(items)}
    return gzip.compress(json.dumps(doc).encode())


def _cve(ident: str, modified: str, description: str) -> dict:
    return {"cve": {"id": ident, "lastModified": modified,
                    "descriptions": [{"lang": "en", "value": description}]}}  # fmt: skip


def test_feed_urls_upstream_and_mirror():
    assert nvd.FEED in FEEDS
    assert nvd.FEED.url("nvdcve-2.0-2019.json.gz", None) == (
        "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-2019.json.gz"
    )
    assert nvd.FEED.url("nvdcve-2.0-2019.json.gz", "file:///srv") == (
        "file:///srv/nvd/nvdcve-2.0-2019.json.gz"
    )
    assert nvd.FEED.paths[0] == "nvdcve-2.0-2002.json.gz"
    assert nvd.FEED.paths[-1] == "nvdcve-2.0-modified.json.gz"  # last: its newer copies win


def test_corpus_record_keeps_what_findings_need():
    records = {r.id: r for r in nvd.parse(NVD / "nvdcve-2.0-2019.json.gz", "2019")}
    assert len(records) == 11 and all(isinstance(r, CveRecord) for r in records.values())
    django = records["CVE-2019-12308"]
    assert django == CveRecord(
        id="CVE-2019-12308",
        published="2019-06-03T17:29:00.000",
        modified="2019-06-12T17:29:00.000",
        description="An issue was discovered in Django 1.11 before 1.11.21, 2.1 before 2.1.9, "
        "and 2.2 before 2.2.2.",
        cwes=("CWE-79",),
        cvss=(
            Cvss("nvd", "3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            Cvss("nvd", "2.0", "AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3),
        ),
    )


def test_secondary_assessments_name_their_source():
    records = {r.id: r for r in nvd.parse(NVD / "nvdcve-2.0-2023.json.gz", "2023")}
    urllib3 = records["CVE-2023-43804"]
    assert [(c.source, c.version, c.score) for c in urllib3.cvss] == [
        ("nvd:security-advisories@github.com", "3.1", 5.9),
        ("nvd", "3.1", 8.1),
    ]
    assert urllib3.cwes == ("CWE-200",)  # NVD-CWE-noinfo says nothing
    # the next sentence starts with a lower-case name: still a new sentence
    assert urllib3.description == "urllib3 is a user-friendly HTTP client library for Python."


def test_a_long_first_sentence_is_cut_between_words():
    text = "Word " * 60 + "end. Next sentence."
    title = first_sentence(text)
    assert len(title) <= 200 and title.endswith("Word…") and "  " not in title


@pytest.mark.parametrize(
    "data",
    [b"not gzip", gzip.compress(b"{not json"), gzip.compress(b"[" * 200_000)],
    ids=["not_gzip", "not_json", "nested_200000"],
)
def test_unreadable_file_is_one_skip(tmp_path, data):
    [skipped] = nvd.parse(_file(tmp_path, data), "nvdcve-2.0-2019.json.gz")
    assert isinstance(skipped, Skipped) and skipped.where == "nvdcve-2.0-2019.json.gz"
    assert skipped.reason.startswith("unreadable after 0 records (")


def test_bad_records_are_skipped_one_by_one(tmp_path):
    deep = {"cve": {"id": "CVE-2020-2", "metrics": {"cvssMetricV31": [
        {"x": [[[[[[[[]]]]]]]], "cvssData": {"vectorString": "CVSS:3.1/AV:N"}}]}}}  # fmt: skip
    data = _feed(
        _cve("CVE-2020-1", "2020-01-01", "Fine."), "a string", {"cve": {"id": "GHSA-x"}},
        deep, {"cve": {"id": "CVE-2020-3", "descriptions": "not a list"}},
        _cve("CVE-2020-4", "2020-01-01", "Also fine."),
    )  # fmt: skip
    got = list(nvd.parse(_file(tmp_path, data), "f"))
    assert [r.id for r in got if isinstance(r, CveRecord)] == ["CVE-2020-1", "CVE-2020-2",
                                                               "CVE-2020-4"]  # fmt: skip
    assert [s.where for s in got if isinstance(s, Skipped)] == [
        "f:vulnerabilities[1]", "f:vulnerabilities[2]", "f:vulnerabilities[4]",
    ]  # fmt: skip


def test_a_record_over_its_cap_stops_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(nvd, "MAX_RECORD_BYTES", 200_000)
    huge = _cve("CVE-2020-2", "2020-01-01", "x" * 1_000_000)
    got = list(nvd.parse(_file(tmp_path, _feed(_cve("CVE-2020-1", "", "Fine."), huge)), "f"))
    assert [type(r).__name__ for r in got] == ["CveRecord", "Skipped"]
    assert "a record larger than 200000 bytes" in got[1].reason


def test_a_file_inflating_past_its_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(nvd, "MAX_FILE_BYTES", 100_000)
    data = _feed(*(_cve(f"CVE-2020-{i}", "", "y" * 1000) for i in range(1000)))
    got = list(nvd.parse(_file(tmp_path, data), "f"))
    assert isinstance(got[-1], Skipped) and "gzip bomb" in got[-1].reason
    assert len(got) < 200


def test_update_stores_nvd_and_modified_wins_when_newer(mirror, tmp_path):
    newer = _cve("CVE-2019-12308", "2030-01-01T00:00:00.000", "Rescored later.")
    older = _cve("CVE-2019-11236", "2000-01-01T00:00:00.000", "A stale copy.")
    mirror.files["/nvd/nvdcve-2.0-modified.json.gz"] = _feed(newer, older)
    result = update(tmp_path / "v.db", mirror=mirror.url, policy=FAST)
    rows = {f.path: f for f in result.files if f.feed == "nvd"}
    assert rows["nvdcve-2.0-2019.json.gz"].records == 11
    assert rows["nvdcve-2.0-2002.json.gz"].status == "missing"  # the corpus has 2018-2024
    with VulnDb(tmp_path / "v.db") as db:
        found = db.cves(["CVE-2019-12308", "CVE-2019-11236", "CVE-2099-1"])
        assert set(found) == {"CVE-2019-12308", "CVE-2019-11236"}
        assert found["CVE-2019-12308"].description == "Rescored later."
        assert found["CVE-2019-11236"].description.startswith("In the urllib3 library")
        assert found["CVE-2019-11236"].cvss[0].vector.startswith("CVSS:3.0/")
        assert db.counts()["nvd"] == 46


def test_a_hostile_year_is_one_warning_and_the_rest_is_built(mirror, tmp_path):
    mirror.files["/nvd/nvdcve-2.0-2020.json.gz"] = gzip.compress(b"[" * 100_000)
    result = update(tmp_path / "v.db", mirror=mirror.url, policy=FAST)
    [line] = [w for w in result.warnings if w.startswith("nvd: nvdcve-2.0-2020")]
    assert line.startswith("nvd: nvdcve-2.0-2020.json.gz: nothing usable in it (first skipped: ")
    assert "nested deeper than 256 levels" in line
    with VulnDb(tmp_path / "v.db") as db:
        assert db.counts()["nvd"] == 36  # the 46 less 2020's 10
