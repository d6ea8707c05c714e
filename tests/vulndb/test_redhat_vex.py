"""Red Hat CSAF VEX: the parser on our fixtures, hostile documents and archives, and the
feed through a loopback mirror in Red Hat's layout.

The fixtures under tests/assets/vulndb/redhat-vex/ follow the CSAF 2.0 specification
(https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html) as Red Hat's guide
applies it, with the structure of its worked example, the VEX file of CVE-2023-20593
(https://redhatproductsecurity.github.io/security-data-guidelines/csaf-vex/): product
families and names with CPEs, components with purls (unfixed ones without a version,
fixed ones under an `architecture` branch), `default_component_of` relationships, and
`product_status` and `remediations` over the joined product ids.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feed_mirror import (
    ASSETS,
    FAST,
    VEX,
    VEX_ARCHIVE,
    Mirror,
    mirror_files,
    serve,
    tar_zst,
    vex_files,
)  # fmt: skip

from dockwise.vulndb.advisory import Advisory
from dockwise.vulndb.feeds import kev as kev_feed
from dockwise.vulndb.feeds import redhat_vex
from dockwise.vulndb.records import Skipped
from dockwise.vulndb.store import VulnDb
from dockwise.vulndb.update import update

FIXTURES = ASSETS / "redhat-vex" / "2099"


def _parse(path: Path, name: str | None = None) -> list:
    return list(redhat_vex.parse(path, name or path.name))


def _entries(cve: str) -> set[tuple[str, str, str, str, tuple]]:
    [advisory] = _parse(FIXTURES / f"{cve.lower()}.json")
    return {(a.ecosystem, a.package, a.status, a.reason,
             tuple(e for r in a.ranges for e in r.events)) for a in advisory.affected}  # fmt: skip


def test_fixed_components_become_ranges_per_release_stream():
    [advisory] = _parse(FIXTURES / "cve-2099-1001.json")
    assert (advisory.id, advisory.source, advisory.severity) == (
        "CVE-2099-1001", "redhat-csaf-vex", "important",
    )  # fmt: skip
    assert advisory.summary == "openssl: out-of-bounds read (back-ported fix)"
    assert advisory.cvss == (("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),)
    assert _entries("CVE-2099-1001") == {
        ("Red Hat:enterprise_linux:9::baseos", "openssl", "fixed", "",
         (("introduced", "0"), ("fixed", "1:3.0.7-25.el9_3"))),
        ("Red Hat:rhel_eus:9.2::baseos", "openssl", "fixed", "",
         (("introduced", "0"), ("fixed", "1:3.0.7-20.el9_2.4"))),
        ("Red Hat:enterprise_linux:8", "openssl", "not-affected", "", ()),
    }  # fmt: skip


def test_unfixed_states_map_onto_the_status_vocabulary():
    assert _entries("CVE-2099-1002") == {
        ("Red Hat:enterprise_linux:9", "openssl", "will-not-fix", "Will not fix", ()),
        ("Red Hat:enterprise_linux:9", "plain", "open", "Affected", ()),
        ("Red Hat:enterprise_linux:9", "epoch-one", "end-of-life", "Out of support scope", ()),
    }
    assert ("Red Hat:enterprise_linux:9", "plain", "open", "under investigation", ()) in _entries(
        "CVE-2099-1004"
    )


def test_module_rpms_are_named_by_their_stream():
    [advisory] = _parse(FIXTURES / "cve-2099-1003.json")
    found = {(a.package, a.ranges[0].events[1][1]) for a in advisory.affected}
    assert found == {
        ("openssl", "1:3.0.7-27.el9"),
        ("nodejs:18/nodejs", "1:18.19.0-1.module+el9.3.0+20473+c4e3d824"),
        ("nodejs", "1:20.9.0-1.el9"),
    }


def test_listing_names_only_an_archive_beside_it():
    assert redhat_vex.listed("csaf_vex_2099-02-01.tar.zst\n") == "csaf_vex_2099-02-01.tar.zst"
    hostile_names = ("../../etc/passwd.tar.zst", "a/b.tar.zst", "index.html", "", "x" * 300)
    for hostile in hostile_names:
        assert redhat_vex.listed(hostile) == ""


def _nested(depth: int) -> list:
    """Product tree branches `depth` levels deep."""
    branches: list = []
    for _ in range(depth):
        branches = [{"category": "product_family", "name": "x", "branches": branches}]
    return branches


def _document(**changes) -> bytes:
    body = json.loads((FIXTURES / "cve-2099-1002.json").read_bytes())
    body.update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b"[]", "expected an object"),
        (_document(vulnerabilities=[{"cve": "CVE-2099-9", "product_status": {"fixed": "x"}}]),
         "product_status.fixed: expected a list"),
        (_document(product_tree={"branches": _nested(14)}), "nested deeper than 12"),
        (_document(document={"tracking": {}}, vulnerabilities=[{}]), "has no cve"),
    ],
)  # fmt: skip
def test_hostile_documents_are_skipped_with_a_reason(tmp_path, body, reason):
    path = tmp_path / "cve-2099-0666.json"
    path.write_bytes(body)
    [skipped] = _parse(path)
    assert isinstance(skipped, Skipped) and reason in skipped.reason


def test_archive_skips_bad_members_keeps_good_ones_and_caps_sizes(tmp_path, monkeypatch):
    good = (FIXTURES / "cve-2099-1002.json").read_bytes()
    members = {"2099/cve-2099-1002.json": good, "2099/cve-2099-0001.json": b"{", "README": b"x"}
    archive = tmp_path / VEX_ARCHIVE
    archive.write_bytes(tar_zst(members))
    records = _parse(archive)
    assert [r.id for r in records if isinstance(r, Advisory)] == ["CVE-2099-1002"]
    assert [r.where for r in records if isinstance(r, Skipped)] == [
        f"{VEX_ARCHIVE}:2099/cve-2099-0001.json"
    ]
    monkeypatch.setattr(redhat_vex, "MAX_DOCUMENT_BYTES", 100)
    reasons = {r.where.rpartition("/")[2]: r.reason for r in _parse(archive)}
    assert "over the cap" in reasons["cve-2099-1002.json"]
    monkeypatch.setattr(redhat_vex, "MAX_ARCHIVE_BYTES", 10)
    *_, capped = _parse(archive)  # the 1-byte member fits; the next one tips it over
    assert "too large" in capped.reason


def test_an_archive_that_is_not_zstd_is_one_skipped_line(tmp_path):
    archive = tmp_path / VEX_ARCHIVE
    archive.write_bytes(b"PK\x03\x04 not what it says")
    [skipped] = _parse(archive)
    assert "not a readable tar.zst archive" in skipped.reason


def _update(tmp_path: Path, files: dict) -> tuple:
    """Update from the VEX feed and KEV (so that a database is built even when the VEX
    feed gives nothing); the outcomes of the VEX feed's files, and the mirror's hits."""
    kev = {path: body for path, body in mirror_files().items() if path.startswith("/kev/")}
    with serve(Mirror(url="", files=files | kev)) as state:
        result = update(
            tmp_path / "v.db", mirror=state.url, feeds=(redhat_vex.FEED, kev_feed.FEED),
            policy=FAST,
        )  # fmt: skip
        vex = [f for f in result.files if f.feed == redhat_vex.FEED.name]
        return result, vex, {k: v for k, v in state.hits.items() if k.startswith(VEX)}


def test_feed_follows_archive_latest_on_a_mirror_in_red_hats_layout(tmp_path):
    result, [outcome], hits = _update(tmp_path, vex_files())
    assert (outcome.path, outcome.status, outcome.records) == ("archive_latest.txt", "ok", 4)
    assert hits == {f"{VEX}/archive_latest.txt": 1, f"{VEX}/{VEX_ARCHIVE}": 1}
    with VulnDb(result.path) as db:
        [advisory] = db.query("Red Hat:enterprise_linux:9", "epoch-one")[:1]
        assert advisory.id in ("CVE-2099-1002", "CVE-2099-1004")
        assert db.ecosystem_counts()["Red Hat:enterprise_linux:9"] == 2


def test_a_missing_or_useless_listing_is_reported_like_a_file(tmp_path):
    result, vex, _ = _update(tmp_path, {})
    assert [(f.path, f.status) for f in vex] == [("archive_latest.txt", "missing")]
    assert result.partial
    files = vex_files() | {f"{VEX}/archive_latest.txt": b"<html>maintenance</html>"}
    result, vex, _ = _update(tmp_path, files)
    assert [(f.path, f.status) for f in vex] == [("archive_latest.txt", "unusable")]


def test_a_listing_past_its_cap_is_refused_not_read(tmp_path):
    files = vex_files() | {f"{VEX}/archive_latest.txt": b"x" * (1 << 17)}
    _, vex, _ = _update(tmp_path, files)
    [outcome] = vex  # only its first 4 KiB are read: a name, if anything
    assert (outcome.path, outcome.status) == ("archive_latest.txt", "unusable")
    assert "names no .tar.zst archive" in outcome.detail
