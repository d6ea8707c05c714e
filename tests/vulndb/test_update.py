"""`update` against a real HTTP mirror on 127.0.0.1 serving the shared corpus."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from feed_mirror import FAST, write_mirror

from dockwise.vulndb import VulnDbError
from dockwise.vulndb.advisory import Range
from dockwise.vulndb.feeds import FEEDS
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.store import VulnDb
from dockwise.vulndb.update import update

EXPECTED_RECORDS = {
    ("osv", "PyPI/all.zip"): 2129,
    ("osv", "Go/all.zip"): 3433,
    ("osv", "crates.io/all.zip"): 965,
    ("osv", "AlmaLinux/all.zip"): 4528,
    ("osv", "Debian/all.zip"): 1349,
    ("debian-tracker", "json"): 7,
    ("debian-dsa", "DSA/list"): 5406,
    ("debian-dla", "DLA/list"): 3534,
    ("alpine-secdb", "v3.11/main.json"): 1204,
    ("kev", "known_exploited_vulnerabilities.json"): 1404,
    ("epss", "epss_scores-current.csv.gz"): 6,
    **{("nvd", f"nvdcve-2.0-{year}.json.gz"): n
       for year, n in ((2018, 2), (2019, 11), (2020, 10), (2021, 11), (2022, 5), (2023, 6),
                       (2024, 1))},
}  # fmt: skip
KEV_PATH = "/kev/known_exploited_vulnerabilities.json"


def test_update_records_expected_counts(mirror, tmp_path):
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    counts = {(f.feed, f.path): f.records for f in result.files if f.status == "ok"}
    assert {k: counts.get(k) for k in EXPECTED_RECORDS} == EXPECTED_RECORDS
    assert not any(f.skipped for f in result.files)


def test_mirror_lacking_ecosystems_warns_once_per_feed(mirror, tmp_path):
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    osv = [w for w in result.warnings if w.startswith("osv:")]
    assert osv == [
        "osv: 6 of 18 files not on the server (Rocky%20Linux/all.zip, Red%20Hat/all.zip, "
        "SUSE/all.zip, openSUSE/all.zip, Wolfi/all.zip, ...)"
    ]
    assert not result.partial


def test_query_pypi_normalises_names(built):
    with VulnDb(built) as db:
        ids = {a.id for a in db.query("PyPI", "Requests")}
        assert ids == {a.id for a in db.query("PyPI", "requests")}
        assert "PYSEC-2023-74" in ids
        assert db.query("PyPI", "no-such-package") == []


def test_query_osv_record_kept_as_is(built):
    with VulnDb(built) as db:
        (record,) = [a for a in db.query("PyPI", "requests") if a.id == "PYSEC-2023-74"]
    assert record.source == "osv:PyPI"
    assert "CVE-2023-32681" in record.aliases
    (affected,) = record.affected
    assert affected.ecosystem == "PyPI" and affected.package == "requests"
    ecosystem_ranges = [r for r in affected.ranges if r.type == "ECOSYSTEM"]
    assert ecosystem_ranges == [Range("ECOSYSTEM", (("introduced", "2.3.0"), ("fixed", "2.31.0")))]


def test_osv_duplicate_across_archives_is_stored_once(built):
    with VulnDb(built) as db:
        records = db.query("npm", "lodash")
        assert len({a.id for a in records}) == len(records) > 0


def test_debian_tracker_statuses(built):
    with VulnDb(built) as db:
        tracker = {
            (a.id, aff.ecosystem): aff
            for a in db.query("Debian:11", "openssl") + db.query("Debian:10", "openssl")
            if a.source == "debian-tracker"
            for aff in a.affected
        }
    fixed = tracker[("CVE-2023-0286", "Debian:11")]
    assert (fixed.status, fixed.ranges[0].events[-1]) == ("fixed", ("fixed", "1.1.1n-0+deb11u4"))
    postponed = tracker[("CVE-2024-2511", "Debian:11")]
    assert (postponed.status, postponed.reason) == ("postponed", "Minor issue")
    assert postponed.ranges == (Range("ECOSYSTEM", (("introduced", "0"),)),)
    assert tracker[("CVE-2024-2511", "Debian:10")].status == "end-of-life"


@pytest.mark.parametrize(
    ("ecosystem", "package", "cve", "status"),
    [
        ("Debian:12", "glibc", "CVE-2010-4756", "ignored"),
        ("Debian:13", "glibc", "CVE-2010-4756", "open"),
        ("Debian:11", "curl", "CVE-2024-2379", "undetermined"),
        ("Debian:11", "bash", "CVE-2022-3715", "open"),
        ("Debian:12", "bash", "TEMP-0841856-B18BAF", "open"),
    ],
    ids=["ignored", "next_point_update", "undetermined", "unimportant", "temp_id"],
)
def test_debian_tracker_unfixed_states(built, ecosystem, package, cve, status):
    with VulnDb(built) as db:
        (record,) = [a for a in db.query(ecosystem, package) if a.id == cve]
    (affected,) = [a for a in record.affected if a.ecosystem == ecosystem]
    assert affected.status == status


def test_debian_not_affected_has_no_entry(built):
    with VulnDb(built) as db:
        ids = {a.id for a in db.query("Debian:11", "curl") if a.source == "debian-tracker"}
    assert "CVE-2023-38545" not in ids  # fixed_version "0" in bullseye


def test_dsa_list_entries(built):
    with VulnDb(built) as db:
        (dsa,) = db.advisories("DSA-5380-1")
        assert dsa.aliases == ("CVE-2023-1393",) and dsa.published == "2023-03-29"
        assert dsa.affected[0].ecosystem == "Debian:11"
        assert dsa.affected[0].ranges[0].events[-1] == ("fixed", "2:1.20.11-1+deb11u6")
        assert any(a.id == "DSA-5380-1" for a in db.query("Debian:11", "xorg-server"))
        (dla,) = db.advisories("DLA-3377-1")
        assert dla.source == "debian-dla" and dla.affected[0].ecosystem == "Debian:10"


def test_alpine_secdb_entries(built):
    with VulnDb(built) as db:
        records = [a for a in db.query("Alpine:v3.11", "ansible") if a.id == "CVE-2019-14904"]
    (record,) = records
    assert record.source == "alpine-secdb"
    assert record.affected[0].ranges[0].events == (("introduced", "0"), ("fixed", "2.9.3-r0"))


def test_exploitation_kev_and_epss(built):
    with VulnDb(built) as db:
        facts = db.exploitation(["CVE-2025-48384", "CVE-2023-0286", "CVE-0000-0000"])
        assert set(db.ecosystems()) >= {"PyPI", "Debian:12", "Alpine:v3.11", "AlmaLinux:9"}
    assert facts["CVE-2025-48384"].kev and facts["CVE-2025-48384"].kev_due == "2025-09-15"
    assert facts["CVE-2025-48384"].epss == pytest.approx(0.01234)
    assert not facts["CVE-2023-0286"].kev
    assert facts["CVE-2023-0286"].epss_percentile == pytest.approx(0.73712)
    assert "CVE-0000-0000" not in facts


def test_query_all_batches(built):
    keys = [("PyPI", "requests"), ("Debian:12", "openssl"), ("Go", "nothing"), ("PyPI", "requests")]
    with VulnDb(built) as db:
        result = db.query_all(keys)
    assert list(result) == keys[:3]
    assert result[("Go", "nothing")] == [] and result[("Debian:12", "openssl")]


def test_retries_on_503_then_succeeds(mirror, tmp_path):
    mirror.failures[KEV_PATH] = [503, 503]
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    assert mirror.hits[KEV_PATH] == 3
    (kev,) = [f for f in result.files if f.feed == "kev"]
    assert (kev.status, kev.records) == ("ok", 1404)


def test_persistent_503_is_a_warning_and_a_partial_database(mirror, tmp_path):
    mirror.failures[KEV_PATH] = [503] * 10
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    assert mirror.hits[KEV_PATH] == FAST.attempts
    assert f"kev: known_exploited_vulnerabilities.json: cannot fetch {mirror.url}{KEV_PATH} " \
        "(HTTP 503 after 3 attempts)" in result.warnings  # fmt: skip
    assert result.partial
    with VulnDb(tmp_path / "dockwise.db") as db:
        assert db.meta["partial"] == "true" and db.meta["incomplete_feeds"] == "kev"
        assert db.counts()["kev"] == 0 and db.counts()["advisories"] > 0


def test_feed_missing_entirely_is_a_warning(mirror, tmp_path):
    del mirror.files[KEV_PATH]
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    assert "kev: 1 of 1 files not on the server (known_exploited_vulnerabilities.json)" in (
        result.warnings
    )
    assert result.partial


def test_file_mirror_lacking_a_feed_names_its_directory(mirror, tmp_path):
    directory = tmp_path / "mirror"
    url = write_mirror({KEV_PATH: mirror.files[KEV_PATH]}, directory)
    feeds = [f for f in FEEDS if f.name in ("kev", "epss")]
    result = update(tmp_path / "dockwise.db", mirror=url, feeds=feeds, policy=FAST)
    assert result.warnings == (
        f"epss: 1 of 1 files not in the mirror directory {directory} (epss_scores-current.csv.gz)",
    )
    with VulnDb(tmp_path / "dockwise.db") as db:
        assert {row["feed"]: row["detail"] for row in db.feeds()}["epss"] == "no such file"


def test_nothing_fetched_is_an_error_and_keeps_the_old_database(mirror, tmp_path):
    path = tmp_path / "dockwise.db"
    update(path, mirror=mirror.url, feeds=[f for f in FEEDS if f.name == "kev"], policy=FAST)
    before = path.read_bytes()
    mirror.files.clear()
    with pytest.raises(VulnDbError, match="no feed could be fetched"):
        update(path, mirror=mirror.url, policy=FAST)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["dockwise.db"]


def test_unreachable_mirror_is_an_error(tmp_path):
    with pytest.raises(VulnDbError, match="no feed could be fetched"):
        update(tmp_path / "dockwise.db", mirror="http://127.0.0.1:9", policy=FAST)


def test_interrupted_update_leaves_the_old_database(mirror, tmp_path):
    path = tmp_path / "dockwise.db"
    update(path, mirror=mirror.url, feeds=[f for f in FEEDS if f.name == "kev"], policy=FAST)
    with VulnDb(path) as db:
        built_before = db.meta["built"]

    def crash(file: Path, name: str):
        yield from FEEDS[0].parse(file, name)  # some records are written first
        raise KeyboardInterrupt

    crashing = Feed("osv", "", "osv", ("PyPI/all.zip",), crash)
    with pytest.raises(KeyboardInterrupt):
        update(path, mirror=mirror.url, feeds=[crashing, *FEEDS[1:]], policy=FAST)
    with VulnDb(path) as db:
        assert db.meta["built"] == built_before and db.counts()["kev"] == 1404
    assert [p.name for p in tmp_path.iterdir()] == ["dockwise.db"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_hostile_osv_archive_is_skipped_record_by_record(mirror, tmp_path):
    good = {"id": "PYSEC-0-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}}]}
    mirror.overrides["/osv/PyPI/all.zip"] = _zip(
        {
            "PYSEC-0-1.json": json.dumps(good).encode(),
            "bomb.json": b" " * (40 << 20),
            "broken.json": b'{"id": ',
            "list.json": b"[1, 2]",
            "typed.json": json.dumps({"id": "X", "aliases": "CVE-1"}).encode(),
        }
    )
    mirror.overrides["/osv/Go/all.zip"] = b"not a zip at all"
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    files = {f.path: f for f in result.files}
    assert (files["PyPI/all.zip"].records, files["PyPI/all.zip"].skipped) == (1, 4)
    assert files["Go/all.zip"].status == "unusable"
    warnings = "\n".join(result.warnings)
    assert "osv: PyPI/all.zip: skipped 4 malformed records" in warnings
    assert "osv: Go/all.zip: nothing usable" in warnings
