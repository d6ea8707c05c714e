"""The `endoflife` and `distro-info` feeds of `db update`, against the local mirror: API v1
conversion, the refreshed lifecycle.json, `db status`, and the offline bundle."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import date
from pathlib import Path

import pytest
import zstandard
from feed_mirror import ASSETS, FAST

from dockwise.cli import main
from dockwise.lifecycle import load_snapshot
from dockwise.lifecycle.feeds import FEED, from_api_v1, vendor_table
from dockwise.vulndb import VulnDbError
from dockwise.vulndb.bundle import export_bundle, import_bundle
from dockwise.vulndb.feeds.endoflife import DISTRO_INFO_FEED, ENDOFLIFE_FEED, parse_product
from dockwise.vulndb.records import Document, Skipped
from dockwise.vulndb.update import update

LIFECYCLE_FEEDS = (ENDOFLIFE_FEED, DISTRO_INFO_FEED)


def api(slug: str) -> dict:
    return json.loads((ASSETS / "endoflife" / f"{slug}.json").read_text())


def refresh(mirror, directory: Path):
    return update(directory / "dockwise.db", mirror=mirror.url, feeds=LIFECYCLE_FEEDS, policy=FAST)


def test_upstream_and_mirror_urls():
    assert (
        ENDOFLIFE_FEED.url("python.json", None) == "https://endoflife.date/api/v1/products/python/"
    )
    assert ENDOFLIFE_FEED.url("python.json", "http://m/") == "http://m/endoflife/python.json"
    assert DISTRO_INFO_FEED.url("debian.csv", None) == (
        "https://salsa.debian.org/debian/distro-info-data/-/raw/main/debian.csv"
    )
    assert DISTRO_INFO_FEED.url("ubuntu.csv", "http://m") == "http://m/distro-info/ubuntu.csv"
    assert ENDOFLIFE_FEED.paths == tuple(f"{slug}.json" for slug in FEED.products)


def test_api_v1_becomes_the_front_matter_record():
    python, nodejs, debian = (from_api_v1(api(s)) for s in ("python", "nodejs", "debian"))
    assert python["title"] == "Python"
    assert python["releases"][1] == {
        "releaseCycle": "3.11", "codename": None, "releaseDate": "2022-10-24",
        "eoas": "2024-04-01", "eol": "2027-10-31", "latest": "3.11.16",
    }  # fmt: skip
    node18 = nodejs["releases"][1]
    assert (node18["lts"], node18["eol"], node18["eoes"]) == ("2022-10-25", "2025-04-30", False)
    assert "eoas" not in debian["releases"][0]  # Debian has no isEoas: not tracked, not false


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"[]", "no result.releases list"), (b"{", "Expecting"), (b'{"result": {}}', "releases")],
    ids=["a_list", "truncated", "no_releases"],
)
def test_a_file_that_is_not_a_product_is_skipped(tmp_path, body, reason):
    path = tmp_path / "python.json"
    path.write_bytes(body)
    (record,) = parse_product(path, "python.json")
    assert isinstance(record, Skipped) and reason in record.reason


def test_a_product_is_a_document_counting_its_releases():
    (record,) = parse_product(ASSETS / "endoflife" / "nodejs.json", "nodejs.json")
    assert isinstance(record, Document)
    assert (record.feed, record.name, record.count) == ("endoflife", "nodejs", 2)


def test_update_writes_the_refreshed_snapshot(mirror, tmp_path):
    result = refresh(mirror, tmp_path)
    assert result.lifecycle == tmp_path / "lifecycle.json"
    counts = {(f.feed, f.path): f.records for f in result.files if f.status == "ok"}
    assert counts == {("endoflife", "debian.json"): 2, ("endoflife", "nodejs.json"): 2,
                      ("endoflife", "python.json"): 2, ("distro-info", "debian.csv"): 3,
                      ("distro-info", "ubuntu.csv"): 2}  # fmt: skip
    snapshot = load_snapshot(result.lifecycle)
    assert snapshot.origin == str(result.lifecycle)
    debian12 = snapshot.products["debian"].find("bookworm")
    # distro-info-data is the distribution's own record: its 2026-07-11 beats 2026-06-10
    assert (debian12.eol, debian12.eol_lts) == (date(2026, 7, 11), date(2028, 6, 30))
    assert debian12.sources == ("distro-info-data:debian.csv", "endoflife.date")
    assert snapshot.products["python"].find("3.11").eol == date(2027, 10, 31)
    node18 = snapshot.products["nodejs"].find("18")
    assert (node18.eol, node18.lts) == (date(2025, 4, 30), date(2022, 10, 25))


def test_products_the_mirror_lacks_are_carried_over(mirror, tmp_path):
    doc = json.loads(refresh(mirror, tmp_path).lifecycle.read_text())
    assert set(doc["products"]) == {*FEED.products, *vendor_table()}  # the vendor table too
    carried = doc["sources"]["carried-over"]
    assert "ubuntu" in carried["products"] and "python" not in carried["products"]
    assert doc["sources"]["endoflife.date"]["url"] == f"{mirror.url}/endoflife/"
    assert doc["sources"]["endoflife.date"]["products"] == ["debian", "nodejs", "python"]
    assert doc["sources"]["distro-info-data"]["files"] == ["debian.csv"]  # ubuntu: carried


def test_without_any_product_the_snapshot_is_left_alone(mirror, tmp_path):
    for path in list(mirror.files):
        if path.startswith("/endoflife/"):
            del mirror.files[path]
    result = refresh(mirror, tmp_path)
    assert result.lifecycle is None and not (tmp_path / "lifecycle.json").exists()
    assert result.partial  # the endoflife feed gave nothing: said, not hidden


def test_a_broken_product_warns_and_the_rest_is_written(mirror, tmp_path):
    mirror.overrides["/endoflife/python.json"] = b'{"result": "gone"}'
    result = refresh(mirror, tmp_path)
    assert any("python.json: nothing usable" in w for w in result.warnings), result.warnings
    doc = json.loads(result.lifecycle.read_text())
    assert "python" in doc["sources"]["carried-over"]["products"]


def test_db_status_lists_it_with_its_date(mirror, tmp_path, capsys):
    result = update(tmp_path / "dockwise.db", mirror=mirror.url, policy=FAST)
    generated = json.loads(result.lifecycle.read_text())["generated"]
    assert main(["db", "status", "--db", str(result.path)]) == 0
    out = capsys.readouterr().out
    products = len(FEED.products) + len(vendor_table())
    assert f"lifecycle: {result.lifecycle} (generated {generated}, {products} products)" in out
    assert "endoflife       nodejs.json                              ok               2" in out
    assert main(["db", "status", "--db", str(result.path), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["lifecycle"]["generated"] == generated


def test_db_status_without_a_refreshed_copy(built, capsys, tmp_path):
    copy = tmp_path / "dockwise.db"
    copy.write_bytes(built.read_bytes())
    assert main(["db", "status", "--db", str(copy)]) == 0
    assert "lifecycle: bundled snapshot only" in capsys.readouterr().out


def test_bundle_carries_lifecycle_json(mirror, tmp_path):
    result = update(tmp_path / "a" / "dockwise.db", mirror=mirror.url, policy=FAST)
    manifest = export_bundle(result.path, tmp_path / "bundle.tar.zst")
    assert (
        manifest["lifecycle"]["generated"] == json.loads(result.lifecycle.read_text())["generated"]
    )
    target = tmp_path / "b" / "dockwise.db"
    import_bundle(tmp_path / "bundle.tar.zst", target)
    assert (target.parent / "lifecycle.json").read_bytes() == result.lifecycle.read_bytes()


def test_a_tampered_lifecycle_json_is_refused(mirror, tmp_path):
    result = update(tmp_path / "a" / "dockwise.db", mirror=mirror.url, policy=FAST)
    bundle = tmp_path / "bundle.tar.zst"
    export_bundle(result.path, bundle)
    _rewrite(bundle, "lifecycle.json", lambda data: data.replace(b"2027-10-31", b"2037-10-31"))
    target = tmp_path / "b" / "dockwise.db"
    with pytest.raises(VulnDbError, match="lifecycle.json checksum mismatch"):
        import_bundle(bundle, target)
    assert not target.exists() and not (target.parent / "lifecycle.json").exists()


def _rewrite(bundle: Path, name: str, change) -> None:
    """Re-pack the bundle with one member's bytes changed (the manifest left as it was)."""
    raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(bundle.read_bytes()))
    members = []
    with tarfile.open(fileobj=raw, mode="r|") as tar:
        for member in tar:
            data = tar.extractfile(member).read()
            members.append((member, change(data) if member.name == name else data))
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    bundle.write_bytes(zstandard.ZstdCompressor().compress(out.getvalue()))


def test_products_without_releases_count_as_absent(mirror, tmp_path):
    """An empty product (the demo mirror serves them) must not erase a product's dates."""
    mirror.overrides["/endoflife/python.json"] = b'{"result": {"name": "python", "releases": []}}'
    result = refresh(mirror, tmp_path)
    assert not result.warnings or all("python" not in w for w in result.warnings)
    doc = json.loads(result.lifecycle.read_text())
    assert "python" in doc["sources"]["carried-over"]["products"]
    assert doc["products"]["python"]["cycles"]
