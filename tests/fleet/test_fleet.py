"""The fleet end to end, as a user runs it, on SQLite and on PostgreSQL: add, status,
affected, rematch after a database update, history; the outbox; `scan --store`."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sqlalchemy as sa
from fleet_fixtures import GZIP, GZIP_ADVISORY, GZIP_CVE, build_db

from dockwise.cli import main
from dockwise.fleet import api
from dockwise.fleet.add import add_results
from dockwise.fleet.ingest import Pending, refresh_references
from dockwise.fleet.schema import findings, image_packages, notifications, references, scan_runs
from dockwise.fleet.store import open_fleet

WITHDRAWN = {**GZIP_ADVISORY, "withdrawn": "2026-12-02T00:00:00Z",
             "modified": "2026-12-02T00:00:00Z"}  # fmt: skip


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what building the databases said
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *argv: str):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


def affected(capsys, *argv: str) -> list[dict]:
    """`fleet affected` as JSON: the rows, checked to be the whole answer."""
    page = as_json(capsys, "fleet", "affected", *argv)
    assert page["total"] == len(page["rows"])
    return page["rows"]


def count(url: str, table: sa.Table, *where) -> int:
    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)
                                  ).scalar_one()  # fmt: skip


def test_an_image_stored_by_this_version_is_not_scanned_again(
    capsys, store_url, demo_image, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    code, out, err = run(capsys, "fleet", "add", "--db", str(db), str(demo_image))
    assert (code, err) == (0, "")
    assert out.startswith("added sha256:") and "new findings" in out
    code, out, err = run(capsys, "fleet", "add", "--db", str(db), str(demo_image))
    assert (code, err) == (0, "")
    assert out.startswith("unchanged, not rescanned: sha256:")
    assert count(store_url, scan_runs) == 1


def test_a_new_advisory_opens_one_finding_and_withdrawing_it_resolves_it(
    capsys, store_url, demo_image, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    assert run(capsys, "fleet", "add", "-q", "--db", str(db), str(demo_image))[0] == 0
    before = as_json(capsys, "fleet", "status")
    assert [s["rebuild"] for s in before] == [[]]
    opened_before = count(store_url, findings, findings.c.status == "open")

    build_db(tmp_path, db, GZIP_ADVISORY)  # db update: a new Debian advisory for gzip
    changes = as_json(capsys, "fleet", "rematch", "--db", str(db))
    assert (changes["opened"], changes["resolved"], changes["notified"]) == (1, 0, 1)
    assert count(store_url, findings, findings.c.status == "open") == opened_before + 1
    [after] = as_json(capsys, "fleet", "status")
    assert after["rebuild"] == ["a fix is published for 1 OS package: gzip"]
    assert after["worst"] == "critical" and after["fixable"] == before[0]["fixable"] + 1
    [rollup] = outbox(store_url)
    [section] = rollup["images"]
    assert [(f["vuln_id"], f["package"], f["why"]) for f in section["findings"]] == [
        (GZIP_CVE, GZIP, "new")
    ]

    again = as_json(capsys, "fleet", "rematch", "--db", str(db))  # idempotent
    assert (again["opened"], again["resolved"], again["notified"]) == (0, 0, 0)
    assert len(outbox(store_url)) == 1

    build_db(tmp_path, db, WITHDRAWN)  # the advisory is withdrawn upstream
    gone = as_json(capsys, "fleet", "rematch", "--db", str(db))
    assert (gone["opened"], gone["resolved"]) == (0, 1)
    [resolved] = as_json(capsys, "fleet", "status")
    assert resolved["rebuild"] == [] and resolved["fixable"] == before[0]["fixable"]


def outbox(url: str) -> list[dict]:
    with open_fleet(url) as fleet, fleet.engine.connect() as connection:
        return [json.loads(b) for b in connection.execute(sa.select(notifications.c.body))
                .scalars()]  # fmt: skip


def test_affected_by_cve_purl_and_package_name(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db", GZIP_ADVISORY, epss={GZIP_CVE: 0.25})
    assert run(capsys, "fleet", "add", "-q", "--db", str(db), str(demo_image))[0] == 0
    [by_cve] = affected(capsys, GZIP_CVE)
    assert (by_cve["package"], by_cve["fixed_version"], by_cve["severity"]) == (
        GZIP, "1.12-1+deb12u1", "critical")  # fmt: skip
    assert by_cve["name"] == "docker.io/library/dockwise-demo:1.0"
    assert by_cve["epss"] == 0.25  # the database's EPSS score, kept with the finding
    by_alias = affected(capsys, "DEBIAN-CVE-2099-0001")
    assert by_alias == [by_cve]  # found by the record's own id too (kept as an alias)
    by_name = affected(capsys, "gzip")
    assert {a["package"] for a in by_name} == {GZIP}
    purl = by_name[0]["purl"]
    versionless = purl.split("@")[0]
    assert [a["purl"] for a in affected(capsys, versionless)] == [purl]
    assert affected(capsys, "pkg:deb/debian/no-such-package") == []
    code, out, _ = run(capsys, "fleet", "affected", GZIP_CVE)
    assert code == 0 and out.splitlines()[0].split() == [
        "IMAGE", "PACKAGE", "VULNERABILITY", "SEVERITY", "FIXED", "IN"]  # fmt: skip


def test_history_follows_findings_over_releases(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db")
    assert run(capsys, "fleet", "add", "-q", "--db", str(db), str(demo_image))[0] == 0
    build_db(tmp_path, db, GZIP_ADVISORY)
    assert run(capsys, "fleet", "rematch", "--db", str(db))[0] == 0
    build_db(tmp_path, db, WITHDRAWN)
    assert run(capsys, "fleet", "rematch", "--db", str(db))[0] == 0
    found = as_json(capsys, "fleet", "history", "dockwise-demo:1.0")
    assert found["image"].startswith("sha256:")
    [scan] = [e for e in found["events"] if e["kind"] == "scan"]
    assert scan["what"].startswith("scan of ")
    [gzip] = [e for e in found["events"] if GZIP_CVE in e["what"]]
    assert gzip["status"] == "resolved" and gzip["resolved"] and gzip["first"] <= gzip["resolved"]
    by_digest = as_json(capsys, "fleet", "history", found["image"][:20])
    assert by_digest == found
    code, _, err = run(capsys, "fleet", "history", "sha256:0000")
    assert code == 2 and err.count("\n") == 1 and "no image in the fleet" in err


def test_saved_results_and_scan_store_go_to_the_same_image(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db")
    saved = tmp_path / "result.json"
    code, _, _ = run(capsys, "scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
                     "--store", str(demo_image))  # fmt: skip
    assert code == 0
    code, out, _ = run(capsys, "fleet", "add", "--db", str(db), str(saved))
    assert code == 0 and out.startswith("unchanged, not rescanned:")
    [line] = as_json(capsys, "fleet", "status")
    assert line["worst"] == "critical" and line["kev"] == 0


def test_a_saved_results_file_name_is_never_taken_for_a_reference(
    capsys, store_url, demo_image, tmp_path
):
    """The name of a saved result is where it was read from, not what the image is
    called: results handed over by name only (the Python API, the bench) must not
    become `docker.io/library/result-0.json`, whether stored or seen again."""
    db = build_db(tmp_path, tmp_path / "v.db")
    saved = tmp_path / "a.json"
    code, _, _ = run(capsys, "scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
                     str(demo_image))  # fmt: skip
    assert code == 0
    data = saved.read_bytes()
    with open_fleet(store_url) as fleet:
        for name in ("result-0.json", "result-1.json"):
            add_results(fleet, [Pending(api.read_saved(data, name), data, name, "result")])
        with fleet.engine.connect() as connection:
            names = connection.execute(sa.select(references.c.repository)).scalars().all()
    assert not [n for n in names if "json" in n]


def test_a_bad_source_is_one_line_and_the_others_are_still_added(
    capsys, store_url, demo_image, tmp_path
):
    db = build_db(tmp_path, tmp_path / "v.db")
    missing = str(tmp_path / "missing.tar")
    code, out, err = run(capsys, "fleet", "add", "--db", str(db), missing, str(demo_image))
    assert code == 2 and err.count("\n") == 1 and missing in err
    assert "added sha256:" in out


@pytest.mark.parametrize("url", ["nonsense", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
def test_an_unusable_store_is_one_line(capsys, url):
    code, out, err = run(capsys, "fleet", "status", "--store", url)
    assert (code, out) == (2, "")
    assert err.startswith("dockwise: error: ") and err.count("\n") == 1


def test_the_status_row_is_a_frozen_dataclass():
    from dockwise.fleet.queries import ImageStatus

    assert dataclasses.fields(ImageStatus) and ImageStatus.__dataclass_params__.frozen


def test_rematch_is_incremental_and_agrees_with_a_full_one(capsys, store_url, demo_image,
                                                             tmp_path):  # fmt: skip
    db = build_db(tmp_path, tmp_path / "v.db")
    saved = tmp_path / "a.json"
    assert run(capsys, "scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
               str(demo_image))[0] == 0  # fmt: skip
    other = json.loads(saved.read_text())  # another image: the same without gzip
    other["image"]["manifest_digest"] = "sha256:" + "b" * 64
    other["image"]["repo_tags"] = ["example.org/no-gzip:1"]
    other["packages"] = [p for p in other["packages"] if p["name"] != "gzip"]
    (tmp_path / "b.json").write_text(json.dumps(other))
    code, _, err = run(
        capsys, "fleet", "add", "--db", str(db), str(saved), str(tmp_path / "b.json")
    )
    assert (code, err) == (0, "")
    first = as_json(capsys, "fleet", "rematch", "--db", str(db))  # no fingerprints yet: all
    assert (first["images"], first["opened"], first["resolved"]) == (2, 0, 0)

    build_db(tmp_path, db, GZIP_ADVISORY)
    changed = as_json(capsys, "fleet", "rematch", "--db", str(db))
    assert (changed["images"], changed["opened"], changed["resolved"]) == (1, 1, 0)
    full = as_json(capsys, "fleet", "rematch", "--db", str(db), "--full")
    assert (full["images"], full["opened"], full["resolved"]) == (2, 0, 0)
    assert as_json(capsys, "fleet", "rematch", "--db", str(db))["images"] == 0
    [holder] = affected(capsys, GZIP_CVE)
    assert holder["name"] == "docker.io/library/dockwise-demo:1.0"


def test_a_truncated_saved_result_is_one_line(capsys, store_url, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "dockwise-sbom/1", "tool": {')
    code, out, err = run(capsys, "fleet", "add", str(broken))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "invalid JSON" in err and str(broken) in err


def test_an_end_of_life_release_needs_a_rebuild(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db")
    saved = tmp_path / "a.json"
    assert run(capsys, "scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
               str(demo_image))[0] == 0  # fmt: skip
    old = json.loads(saved.read_text())  # the same image on Debian 8, past even its ELTS
    old["image"]["manifest_digest"] = "sha256:" + "c" * 64
    old["distro"].update(version_id="8", codename="jessie")
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert run(capsys, "fleet", "add", "-q", str(saved), str(tmp_path / "old.json"))[0] == 0
    lines = {line["digest"]: line for line in as_json(capsys, "fleet", "status")}
    jessie = lines["sha256:" + "c" * 64]
    assert "end of life" in jessie["eol"] and jessie["rebuild"] == [jessie["eol"]]


def test_saved_results_go_in_batches_and_a_repeat_is_not_stored_twice(
    capsys, store_url, demo_image, tmp_path, monkeypatch
):
    from dockwise.fleet import add

    monkeypatch.setattr(add, "BATCH", 2)  # three batches for five results
    db = build_db(tmp_path, tmp_path / "v.db")
    saved, names, document = _saved_copies(capsys, db, demo_image, tmp_path)
    sources = [str(saved), *map(str, names), str(names[0])]  # b twice
    code, out, err = run(capsys, "fleet", "add", "--db", str(db), *sources)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:5]] == ["added"] * 4 + ["unchanged,"]
    assert lines[4].endswith(str(names[0]))
    assert count(store_url, scan_runs) == 4
    per_image = count(store_url, image_packages) / 4
    assert per_image == len({p["purl"] or p["name"] for p in document["packages"]})
    statuses = as_json(capsys, "fleet", "status")
    assert sorted(s["name"] for s in statuses) == ["docker.io/library/dockwise-demo:1.0", *(
        f"example.org/{letter}:1" for letter in "bcd")]  # fmt: skip


def _saved_copies(capsys, db, demo_image, tmp_path) -> tuple:
    """The demo image's saved result, and three copies under other digests and tags:
    (the result, the copies' paths, the copies' document)."""
    saved = tmp_path / "a.json"
    assert run(capsys, "scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
               str(demo_image))[0] == 0  # fmt: skip
    document, names = json.loads(saved.read_text()), []
    for letter in "bcd":  # the same packages under other digests and tags
        document["image"]["manifest_digest"] = "sha256:" + letter * 64
        document["image"]["repo_tags"] = [f"example.org/{letter}:1"]
        names.append(tmp_path / f"{letter}.json")
        names[-1].write_text(json.dumps(document))
    return saved, names, document


def test_affected_is_a_page_in_name_order_with_the_total(capsys, store_url, demo_image,
                                                         tmp_path):  # fmt: skip
    db = build_db(tmp_path, tmp_path / "v.db", GZIP_ADVISORY)
    saved, names, _ = _saved_copies(capsys, db, demo_image, tmp_path)
    assert run(capsys, "fleet", "add", "-q", "--db", str(db), str(saved), *map(str, names))[0] == 0
    page = as_json(capsys, "fleet", "affected", GZIP_CVE, "--limit", "2")
    assert page["total"] == 4
    assert [a["name"] for a in page["rows"]] == ["docker.io/library/dockwise-demo:1.0",
                                                 "example.org/b:1"]  # fmt: skip
    code, out, err = run(capsys, "fleet", "affected", "gzip", "--limit", "3")
    assert code == 0 and len(out.splitlines()) == 1 + 3
    assert err == "dockwise: 3 of 4 shown (--limit N, --all)\n"
    code, out, err = run(capsys, "fleet", "affected", "gzip", "--all")
    assert (code, err, len(out.splitlines())) == (0, "", 1 + 4)
    code, _, err = run(capsys, "fleet", "affected", "gzip", "--limit", "0")
    assert code == 2 and err.count("\n") == 1 and "--limit" in err


def test_an_image_is_named_by_its_latest_reference(capsys, store_url, demo_image, tmp_path):
    db = build_db(tmp_path, tmp_path / "v.db", GZIP_ADVISORY)
    _, [copy, *_], _ = _saved_copies(capsys, db, demo_image, tmp_path)
    assert run(capsys, "fleet", "add", "-q", "--db", str(db), str(copy))[0] == 0
    with open_fleet(store_url) as fleet:  # seen again under another tag (as `fleet scan` does)
        refresh_references(fleet, [(1, ["registry:example.org/b:2"])])
    [line] = as_json(capsys, "fleet", "status")
    [holder] = affected(capsys, GZIP_CVE)
    assert line["name"] == holder["name"] == "example.org/b:2"


@pytest.mark.parametrize("body, said", [
    ('{"schema": "dockwise-sbom/1", "image": {}, "packages": "gzip"}', "Expected `array`"),
    ('{"schema": "dockwise-sbom/1", "image": {}, "files": ' + "[" * 100_000 + "]" * 100_000
     + "}", "nested too deep"),
    ('{"schema": "dockwise-sbom/9", "image": {}}', "schema 'dockwise-sbom/9'"),
])  # fmt: skip
def test_a_hostile_saved_result_is_one_line(capsys, store_url, tmp_path, body, said):
    bad = tmp_path / "bad.json"
    bad.write_text(body)
    code, out, err = run(capsys, "fleet", "add", str(bad))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and said in err and str(bad) in err


def test_workers_share_layer_analyses_through_the_store(store_url, demo_image, tmp_path,
                                                        monkeypatch):  # fmt: skip
    """Two workers (each its own user cache) scan the same layers: the second reads the
    first one's analyses from beside the store, and analyses no layer itself."""
    from dockwise.fleet.scanning import ScanJob, scan_image
    from dockwise.source.registry.fetch import LayerFetcher

    db, analysed = build_db(tmp_path, tmp_path / "v.db"), []
    real = LayerFetcher.analyze
    monkeypatch.setattr(LayerFetcher, "analyze",
                        lambda self, *a: analysed.append(a[0]) or real(self, *a))  # fmt: skip
    counts = []
    with open_fleet(store_url) as fleet:
        for worker in ("one", "two"):
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / worker))
            scan_image(fleet, ScanJob(str(demo_image), "", 0, force=True), db, {})
            counts.append(len(analysed))
        shared = fleet.results.root / "layers"
    assert counts[0] > 0 and counts[1] == counts[0]  # the second worker analysed nothing
    assert shared.is_dir()
    assert not (tmp_path / "one" / "dockwise" / "layers").exists()
    assert not (tmp_path / "two" / "dockwise" / "layers").exists()
