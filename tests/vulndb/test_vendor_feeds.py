"""The vendor feeds' parsers (Amazon ALAS, Wolfi/Chainguard secdb, Photon, Oracle and
Azure Linux OVAL) on the fixtures in tests/assets/vulndb/vendors (README there says
which published document each follows), and on hostile variants: a warning (Skipped)
or nothing, never a traceback, and never an expanded entity."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

from feed_mirror import ASSETS, FAST, UPDATEINFO, Mirror, serve, vendor_files, write_mirror

from dockwise.vulndb.advisory import Advisory
from dockwise.vulndb.feeds import amazon, azure_linux, oracle, photon, wolfi_secdb
from dockwise.vulndb.feeds._xml import open_feed
from dockwise.vulndb.records import Skipped
from dockwise.vulndb.update import update

VENDORS = ASSETS / "vendors"
AL2023 = VENDORS / "amazon/al2023/core/guids/8e7b4e5b0a1c/x86_64/repodata"
AL2023_PATH = amazon.RELEASES["2023"]
# A billion laughs: defusedxml must refuse the entity declarations outright.
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE updates [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<updates><update type="security"><id>&c;</id></update></updates>"""


def parse(parser, tmp_path: Path, data: bytes, name: str) -> list:
    path = tmp_path / "feed-file"
    path.write_bytes(data)
    return list(parser(path, name))


def by_id(records: list) -> dict[str, Advisory]:
    return {r.id: r for r in records if isinstance(r, Advisory)}


def fixed(advisory: Advisory, package: str) -> str:
    entry = next(a for a in advisory.affected if a.package == package)
    return dict(entry.ranges[0].events).get("fixed", "")


# Amazon Linux


def test_amazon_updateinfo_gives_one_advisory_per_alas(tmp_path):
    data = gzip.compress((AL2023 / "updateinfo.xml").read_bytes())
    records = by_id(parse(amazon.parse, tmp_path, data, AL2023_PATH))
    assert set(records) == {"ALAS2023-2024-480", "ALAS2023-2023-181", "ALAS2023-2023-100"}
    curl = records["ALAS2023-2024-480"]
    assert curl.aliases == ("CVE-2023-46218",)
    assert {(a.ecosystem, a.package, a.status, a.severity) for a in curl.affected} == {
        ("Amazon Linux:2023", "curl", "fixed", "Important"),
        ("Amazon Linux:2023", "libcurl", "fixed", "Important"),
    }  # one entry per package, not per architecture
    assert curl.published == "2024-01-19T02:28:00"
    assert fixed(curl, "curl") == "8.5.0-1.amzn2023.0.1"
    assert fixed(records["ALAS2023-2023-181"], "openssl") == "1:3.0.8-29.amzn2023.0.4"
    assert curl.references == ("https://www.cve.org/CVERecord?id=CVE-2023-46218",)


def test_amazon_release_comes_from_the_feed_path():
    assert amazon.ecosystem_of(amazon.RELEASES["2"]) == "Amazon Linux:2"
    assert amazon.ecosystem_of(AL2023_PATH) == "Amazon Linux:2023"


def test_amazon_indexes_lead_to_the_updateinfo(tmp_path):
    base = "https://cdn.amazonlinux.com/al2023/core/"
    mirror_list = VENDORS / "amazon" / AL2023_PATH
    repomd = AL2023 / "repomd.xml"
    listed = amazon.follow(mirror_list, base + "mirrors/latest/x86_64/mirror.list")
    assert listed == base + "guids/8e7b4e5b0a1c/x86_64/repodata/repomd.xml"
    assert amazon.follow(repomd, listed) == (
        base + "guids/8e7b4e5b0a1c/x86_64/repodata/2222-updateinfo.xml.gz"
    )
    assert amazon.follow(repomd, base + "x/repodata/2222-updateinfo.xml.gz") is None


def test_amazon_hostile_updateinfo_is_skipped_not_raised(tmp_path):
    for data in (b"<updates><update", LAUGHS, b"\x1f\x8b\x08garbage", b""):
        records = parse(amazon.parse, tmp_path, data, AL2023_PATH)
        assert [type(r) for r in records] == [Skipped], data[:20]
    laughs = parse(amazon.parse, tmp_path, gzip.compress(LAUGHS), AL2023_PATH)
    assert "Entit" in laughs[0].reason or "DTD" in laughs[0].reason


def test_amazon_update_without_packages_is_one_skipped_record(tmp_path):
    data = b"""<updates><update type="security"><id>ALAS-1</id></update>
    <update type="bugfix"><id>ALAS-2</id></update></updates>"""
    records = parse(amazon.parse, tmp_path, data, AL2023_PATH)
    assert records == [Skipped(f"{AL2023_PATH}:ALAS-1", "update without an id or packages")]


def test_amazon_index_that_names_nothing_is_an_error(tmp_path):
    for data in (b"# comment only\n", b"<repomd><data type='primary'/></repomd>", LAUGHS):
        path = tmp_path / "index"
        path.write_bytes(data)
        url = "https://h/mirror.list" if data.startswith(b"#") else "https://h/repomd.xml"
        try:
            amazon.follow(path, url)
        except ValueError:
            continue
        raise AssertionError(f"{data[:20]!r} was followed")


# Wolfi and Chainguard


def test_wolfi_secdb_in_the_alpine_format(tmp_path):
    data = (VENDORS / "wolfi/os/security.json").read_bytes()
    records = [r for r in parse(wolfi_secdb.WOLFI_FEED.parse, tmp_path, data, "os/security.json")]
    assert all(isinstance(r, Advisory) and r.source == "wolfi-secdb" for r in records)
    found = {(r.id, r.aliases, a.package, dict(a.ranges[0].events)["fixed"])
             for r in records for a in r.affected}  # fmt: skip
    assert found == {
        ("CVE-2023-42363", (), "busybox", "1.36.1-r2"),
        ("CVE-2023-42364", ("GHSA-xxxx-yyyy-zzzz",), "busybox", "1.36.1-r2"),
        ("CVE-2023-5363", (), "openssl", "3.1.4-r0"),
        ("CVE-2023-5678", (), "openssl", "3.1.4-r10"),
    }  # "0" (never affected) gives nothing to match
    assert {r.affected[0].ranges[0].events[0] for r in records} == {("introduced", "0")}
    assert {a.ecosystem for r in records for a in r.affected} == {"Wolfi"}


def test_chainguard_secdb_is_its_own_ecosystem(tmp_path):
    data = (VENDORS / "chainguard/chainguard/security.json").read_bytes()
    records = parse(wolfi_secdb.CHAINGUARD_FEED.parse, tmp_path, data, "chainguard/security.json")
    assert [(r.id, r.source, r.affected[0].ecosystem) for r in records] == [
        ("CVE-2024-33599", "chainguard-secdb", "Chainguard")
    ]


def test_wolfi_hostile_json_is_skipped(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    for data in (b"{", deep, b'{"packages": [{"pkg": 3}, {"pkg": {"name": ""}}]}'):
        records = parse(wolfi_secdb.WOLFI_FEED.parse, tmp_path, data, "os/security.json")
        assert records and all(isinstance(r, Skipped) for r in records), data[:20]


# Photon OS


def test_photon_rows_fixed_open_and_not_affected(tmp_path):
    data = (VENDORS / "photon/cve_data_photon5.0.json").read_bytes()
    records = parse(photon.parse, tmp_path, data, "cve_data_photon5.0.json")
    found = {(r.id, a.ecosystem, a.package, a.status, a.ranges[0].events[1:])
             for r in records for a in r.affected}  # fmt: skip
    assert found == {
        ("CVE-2023-2650", "Photon OS:5", "openssl", "fixed", (("fixed", "3.0.9-1.ph5"),)),
        ("CVE-2023-46218", "Photon OS:5", "curl", "fixed", (("fixed", "8.5.0-1.ph5"),)),
        ("CVE-2024-2398", "Photon OS:5", "curl", "open", ()),
    }  # busybox is "Not Affected": nothing to match


def test_photon_hostile_json_is_skipped(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    cases = (b"[", b"{}", deep, b'[{"cve_id": "CVE-1"}, 7, {"pkg": ["x"], "cve_id": "CVE-2"}]')
    for data in cases:
        records = parse(photon.parse, tmp_path, data, "cve_data_photon5.0.json")
        assert records and all(isinstance(r, Skipped) for r in records), data


# Oracle Linux

ELSA_ALL = VENDORS / "oracle/com.oracle.elsa-all.xml"


def test_oracle_elsa_per_release_from_the_criteria(tmp_path):
    data = bz2.compress(ELSA_ALL.read_bytes())
    records = by_id(parse(oracle.parse, tmp_path, data, "com.oracle.elsa-all.xml.bz2"))
    assert set(records) == {"ELSA-2024-0012", "ELSA-2023-7746"}
    curl = records["ELSA-2024-0012"]
    assert curl.aliases == ("CVE-2023-46218",)
    assert curl.summary == "ELSA-2024-0012: curl security update (MODERATE)"
    assert curl.published == "2024-01-04"
    found = {(a.ecosystem, a.package, dict(a.ranges[0].events)["fixed"], a.severity)
             for a in curl.affected}  # fmt: skip
    assert found == {
        ("Oracle Linux:9", "curl", "0:7.76.1-26.el9_3.2", "MODERATE"),
        ("Oracle Linux:9", "libcurl", "0:7.76.1-26.el9_3.2", "MODERATE"),
        ("Oracle Linux:8", "curl", "0:7.61.1-33.el8_9.5", "MODERATE"),
    }  # the release holds for nested blocks; arch and signature criteria judge nothing
    assert fixed(records["ELSA-2023-7746"], "openssl-libs") == "1:3.0.7-25.0.1.el9_3"


def test_oracle_definition_without_a_release_is_skipped(tmp_path):
    data = b"""<oval_definitions><definitions><definition id="d1">
    <metadata><reference source="elsa" ref_id="ELSA-1"/></metadata>
    <criteria><criterion comment="curl is earlier than 0:1-1"/></criteria>
    </definition></definitions></oval_definitions>"""
    records = parse(oracle.parse, tmp_path, data, "all.xml")
    assert records == [Skipped("all.xml:ELSA-1", "definition without an ELSA id or fixed packages")]


def test_oracle_hostile_oval_is_skipped_not_raised(tmp_path):
    for data in (LAUGHS, bz2.compress(LAUGHS), b"BZh9garbage", b"<oval_definitions><defi"):
        records = parse(oracle.parse, tmp_path, data, "all.xml.bz2")
        assert [type(r) for r in records] == [Skipped], data[:20]


def test_a_compressed_bomb_stops_at_the_cap(tmp_path):
    path = tmp_path / "bomb.xml.bz2"
    path.write_bytes(bz2.compress(b"<a>" + b" " * (1 << 20) + b"</a>"))
    with open_feed(path, limit=1 << 16) as stream:
        try:
            stream.read()
        except ValueError as exc:
            assert "inflates beyond" in str(exc)
        else:
            raise AssertionError("read past the cap")


# Azure Linux / CBL-Mariner

AZL3 = VENDORS / "azurelinux/azurelinux-3.0-oval.xml"


def test_azure_linux_oval_resolves_tests_objects_and_states(tmp_path):
    records = parse(azure_linux.parse, tmp_path, AZL3.read_bytes(), "azurelinux-3.0-oval.xml")
    found = {(r.id, a.package, a.status, a.ranges[0].events[1], a.severity)
             for r in records for a in r.affected}  # fmt: skip
    assert found == {
        ("CVE-2023-46218", "curl", "fixed", ("fixed", "0:8.5.0-1.azl3"), "Medium"),
        ("CVE-2023-5678", "openssl", "fixed", ("fixed", "0:3.3.0-1.azl3"), "Medium"),
        ("CVE-2024-2398", "curl", "open", ("last_affected", "0:8.5.0-1.azl3"), "High"),
    }
    assert {a.ecosystem for r in records for a in r.affected} == {"Azure Linux:3"}
    assert all(isinstance(r, Advisory) and r.source == "azure-linux-oval" for r in records)


def test_mariner_file_is_its_own_ecosystem(tmp_path):
    records = parse(azure_linux.parse, tmp_path, AZL3.read_bytes(), "cbl-mariner-2.0-oval.xml")
    assert {a.ecosystem for r in records for a in r.affected} == {"CBL-Mariner:2"}


def test_azure_linux_hostile_oval_is_skipped_not_raised(tmp_path):
    dangling = AZL3.read_bytes().replace(b"ste:40001002\"/>", b"ste:missing\"/>", 1)
    records = parse(azure_linux.parse, tmp_path, dangling, "azurelinux-3.0-oval.xml")
    assert [r.where for r in records if isinstance(r, Skipped)] == [
        "azurelinux-3.0-oval.xml:oval:com.microsoft.azurelinux:def:40001"
    ]
    for data in (LAUGHS, b"<oval_definitions><", b"\x00\x01"):
        records = parse(azure_linux.parse, tmp_path, data, "azurelinux-3.0-oval.xml")
        assert [type(r) for r in records] == [Skipped], data[:20]


# Following Amazon's indexes in `db update`


def amazon_update(tmp_path, url: str):
    result = update(tmp_path / "dockwise.db", mirror=url, feeds=(amazon.FEED,), policy=FAST)
    return {f.path: f for f in result.files}


def test_a_verbatim_file_mirror_is_followed_on_the_mirror(tmp_path):
    """The copied mirror.list names cdn.amazonlinux.com: rebased, nothing leaves the disk."""
    url = write_mirror(vendor_files(), tmp_path / "mirror")
    files = amazon_update(tmp_path, url)
    assert {p: (f.status, f.records) for p, f in files.items()} == {
        amazon.RELEASES["2"]: ("ok", 1), AL2023_PATH: ("ok", 3)
    }


def test_an_index_pointing_off_the_mirror_is_refused(tmp_path):
    files = vendor_files()
    files[f"/amazon/{AL2023_PATH}"] = b"https://elsewhere.example/al2023/x86_64/\n"
    with serve(Mirror(url="", files=files)) as state:
        outcome = amazon_update(tmp_path, state.url)[AL2023_PATH]
        assert not [hit for hit in state.hits if "elsewhere" in hit]
    assert outcome.status == "unusable"
    assert "points off the host" in outcome.detail and "elsewhere.example" in outcome.detail


def test_a_missing_updateinfo_is_missing_and_named(tmp_path):
    files = {k: v for k, v in vendor_files().items()
             if not (k.startswith("/amazon/al2023/") and k.endswith(UPDATEINFO))}  # fmt: skip
    with serve(Mirror(url="", files=files)) as state:
        outcome = amazon_update(tmp_path, state.url)[AL2023_PATH]
    assert outcome.status == "missing"
    assert outcome.detail.endswith(f"/repodata/{UPDATEINFO}: not found on the server")
