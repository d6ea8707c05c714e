"""One codec for saved results: every result dockwise makes reads back equal from the JSON
it is saved as (`from_json(to_json(r)) == r`), whatever the source and however much the
scan found. The image cache, `gate`, `diff` and `load_result` all depend on it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from corpus import REPO

from dockwise import cli
from dockwise.checks.suppress import load
from dockwise.model_json import dumps, from_json, is_saved_result, to_json
from dockwise.options import Options
from dockwise.pipeline import sbom
from dockwise.pipeline.check import ScanSettings, scan
from dockwise.vulndb.coverage import database_coverage
from dockwise.vulndb.store import VulnDb
from tools.imagepack import REF_NAME, ImageSpec, Member, whiteout, write_oci_dir

TODAY = date(2026, 11, 28)
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x02\0\x3e\0" + b"\0" * 300
ODD = ImageSpec(
    layers=[
        {"etc/os-release": 'ID=alpine\nVERSION_ID=3.19.1\n',
         "lib/apk/db/installed": "P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\nF:lib\nR:ld-musl.so.1\n\n",
         "opt/café/run": Member("opt/café/run", ELF, mode=0o4755),
         "tmp/world": Member("tmp/world", b"x", mode=0o777)},
        [whiteout("tmp/world"), Member("dev/null0", kind="char", device=(1, 3))],
    ],
    config={"User": "app", "Env": ["PATH=/bin", "PATH=/usr/bin"], "ExposedPorts": {"80/tcp": {}},
            "Labels": {"org.opencontainers.image.source": "https://example.com/r\u00e9po"},
            "Entrypoint": ["/opt/café/run"], "Volumes": {"/data": {}}},
    history=["ADD alpine.tar /", "RUN rm /tmp/world"],
    empty_history=[(-1, "ARG V=1"), (1, "USER app")],
    compression=["zstd", "none"],
)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, str]:
    """The demo image as docker-archive and zstd oci-archive, and its offline database."""
    tmp = tmp_path_factory.mktemp("demo")
    paths = {name: tmp / name for name in ("image.tar", "image.oci.tar", "mirror", "v.db")}
    builds = [("build_demo.py", paths["image.tar"]), ("build_mirror.py", paths["mirror"]),
              ("build_demo.py", paths["image.oci.tar"], "--format", "oci-archive",
               "--compression", "zstd")]  # fmt: skip
    for script, target, *more in builds:
        subprocess.run([sys.executable, str(REPO / "demo" / script), str(target), *more],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
    db_argv = ["db", "update", "-q", "--mirror", paths["mirror"].as_uri(), "--db", paths["v.db"]]
    assert cli.main([str(a) for a in db_argv]) == 0
    return {name: str(path) for name, path in paths.items()}


def round_trip(result) -> None:  # noqa: ANN001 - ScanResult
    """Through the text exactly as saved, file lists included (as the image cache keeps it)."""
    assert from_json(json.loads(dumps(to_json(result, include_files=True)))) == result


def test_a_scan_with_findings_suppressions_and_answers(demo, tmp_path):
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - {id: config/root-user, reason: accepted}\n")
    db = VulnDb(demo["v.db"])
    settings = ScanSettings(db, load(str(ignore)), TODAY, database_coverage(db))
    result = scan(Options(f"docker-archive:{demo['image.tar']}", no_cache=True), settings)
    assert result.database is not None and result.database.feeds
    assert {g.state for g in result.coverage} == {"covered", "no data for this release"}
    kinds = {f.kind for f in result.findings}
    assert {"vulnerability", "secret", "config", "provenance"} <= kinds
    assert any(f.suppressed for f in result.findings) and result.answers is not None
    assert any(f.package and f.package.files for f in result.findings)  # resolved, not bare
    assert any(f.key == "run_as_user" for f in result.answers.running.facts)  # the sixth answer
    rated = [f for f in result.findings if f.severity_source.startswith("nvd cvss")]
    assert rated and all(f.cvss and f.deciding_cvss for f in rated)  # the demo mirror's NVD
    round_trip(result)


def test_answers_saved_before_the_sixth_question_still_load(demo):
    result = sbom(Options(f"docker-archive:{demo['image.tar']}", no_cache=True))
    answers = {"schema": "dockwise/five-questions", "version": 2, "today": "2026-11-28",
               "sections": {name: {"question": name, "verdict": "v"} for name in
                            ("provenance", "inside", "patching", "support",
                             "security")}}  # fmt: skip
    loaded = from_json(to_json(result) | {"answers": answers})
    assert loaded.answers.security.question == "security"
    assert loaded.answers.running.verdict == "not answered"


@pytest.mark.parametrize("form", ["docker-archive", "oci-archive"])
def test_the_demo_inventory(demo, form):
    path = demo["image.tar" if form == "docker-archive" else "image.oci.tar"]
    result = sbom(Options(f"{form}:{path}", no_cache=True))
    assert len(result.inventory.packages) > 20 and result.inventory.files
    round_trip(result)


def test_odd_names_modes_and_a_named_oci_dir(tmp_path):
    write_oci_dir(ODD, tmp_path / "odd", {REF_NAME: "example.com/odd:1"})
    result = sbom(Options(f"oci-dir:{tmp_path / 'odd'}", no_cache=True))
    assert {k for f in result.inventory.files for k in f.kinds} >= {"setuid"}
    assert result.image.config.env == (("PATH", "/bin"), ("PATH", "/usr/bin"))
    round_trip(result)


def test_a_directory_has_no_layers(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text("ID=debian\nVERSION_ID=12\n")
    round_trip(sbom(Options(f"dir:{tmp_path}", no_cache=True)))


def test_an_sbom_source(demo, tmp_path, capsys):
    cdx = tmp_path / "demo.cdx.json"
    argv = ["sbom", "-q", "--no-cache", "-f", "cyclonedx-json", "-o", str(cdx), demo["image.tar"]]
    assert cli.main(argv) == 0
    result = sbom(Options(f"sbom:{cdx}"))
    assert result.inventory.packages and not result.image.layers
    round_trip(result)


@pytest.mark.parametrize(
    ("content", "saved"),
    [(b'{"schema": "dockwise-sbom/1", "image": {}}', True),
     (b'{"schema":"dockwise-sbom/1"}', True),  # compact, as the fleet's file store keeps it
     (b'\xef\xbb\xbf\n {"schema": "dockwise-sbom/1"}', True),
     (b'{"bomFormat": "CycloneDX", "note": "dockwise-sbom/1"}'[:10], False),
     (b'["dockwise-sbom/1"]', False), (b"", False)],
)  # fmt: skip
def test_a_saved_result_is_told_by_its_content(tmp_path, content, saved):
    path = tmp_path / "anything.tar"
    path.write_bytes(content)
    assert is_saved_result(path) is saved
    assert is_saved_result(tmp_path / "missing.json") is False
