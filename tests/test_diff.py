"""`dockwise diff`: the pure comparison on hand-built results, then end to end on two
versions of an image built with tools/imagepack and scanned against a small real database
(records from the shared corpus, written with the database's own writer)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from checks.conftest import corpus_required, osv_records  # noqa: F401 - fixture
from corpus import fresh

from dockwise import cli
from dockwise.answers import Fact, FiveAnswers, Section
from dockwise.changes import SizeChange, diff
from dockwise.model import (
    Distro,
    Finding,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanResult,
    Severity,
)
from dockwise.report.diff import render_diff
from dockwise.report.diff.rows import heading
from dockwise.vulndb.store import DbWriter
from tools.imagepack import ImageSpec, write_docker_archive, write_oci_archive

BASE = LayerRef(0, "sha256:" + "1" * 64, created_by="debootstrap", size=1000)
APP_OLD = LayerRef(1, "sha256:" + "2" * 64, created_by="apt-get install", size=300)
APP_NEW = LayerRef(1, "sha256:" + "3" * 64, created_by="apt-get install", size=500)
NO_CONFIG = RunConfig()
HOSTILE = "<script>alert(1)</script>\x1b]0;pwned\x07"


def _pkg(
    name: str, version: str, kind: str = "deb", layer: LayerRef = BASE, path: str = ""
) -> Package:
    return Package(name, version, kind, location=Location(path or "var/lib/dpkg/status", layer))


def _vuln(rule: str, pkg: Package, severity: Severity = Severity.HIGH, **extra) -> Finding:
    return Finding("vulnerability", rule, severity, f"{rule} in {pkg.name}", pkg, **extra)


def _result(packages, findings=(), config=NO_CONFIG, layers=(BASE, APP_OLD), distro=None,
            answers=None) -> ScanResult:  # fmt: skip
    image = ImageInfo("docker-archive:x.tar", "docker-archive", config=config, layers=layers)
    inventory = Inventory(distro or Distro("debian", "12"), tuple(packages))
    return ScanResult(image, inventory, findings=tuple(findings), answers=answers)


# -- the pure comparison -------------------------------------------------------------------


def test_packages_compare_by_ecosystem_order():
    old = [_pkg("libc6", "2.36-9"), _pkg("tzdata", "1:2024a-1"), _pkg("gone", "1.0"),
           _pkg("lodash", "4.17.21", "npm", path="a"), _pkg("lodash", "4.17.4", "npm", path="b"),
           _pkg("blob", "x", "generic")]  # fmt: skip
    new = [_pkg("libc6", "2.36-9+deb12u4", layer=APP_NEW), _pkg("tzdata", "2025a-1"),
           _pkg("lodash", "4.17.21", "npm", path="a"), _pkg("lodash", "4.17.3", "npm", path="b"),
           _pkg("fresh", "2.0"), _pkg("blob", "y", "generic")]  # fmt: skip
    changes = diff(_result(old), _result(new)).packages
    got = [(c.change, c.name, c.old_version, c.new_version) for c in changes]
    assert got == [
        ("added", "fresh", "", "2.0"),
        ("removed", "gone", "1.0", ""),
        ("upgraded", "libc6", "2.36-9", "2.36-9+deb12u4"),
        ("downgraded", "tzdata", "1:2024a-1", "2025a-1"),  # the epoch wins (dpkg)
        ("changed", "blob", "x", "y"),  # no ordering for generic packages
        ("downgraded", "lodash", "4.17.4", "4.17.3"),
    ]
    libc = next(c for c in changes if c.name == "libc6")
    assert (libc.old_layer.index, libc.new_layer.index) == (0, 1)


def test_findings_match_by_what_they_are_about():
    openssl_old, openssl_new = _pkg("openssl", "3.0.11-1"), _pkg("openssl", "3.0.13-1")
    old = [_vuln("CVE-1", openssl_old), _vuln("CVE-2", openssl_old),
           _vuln("CVE-9", openssl_old, suppressed="accepted"),
           Finding("config", "config/root-user", Severity.MEDIUM, "runs as root")]  # fmt: skip
    new = [_vuln("CVE-2", openssl_new), _vuln("CVE-3", openssl_new, Severity.CRITICAL),
           Finding("secret", "secret/aws", Severity.HIGH, "key",
                   location=Location("app/.env"))]  # fmt: skip
    change = diff(_result([openssl_old], old), _result([openssl_new], new))
    assert [(c.change, c.finding.rule_id) for c in change.vulnerabilities] == [
        ("introduced", "CVE-3"),
        ("fixed", "CVE-1"),
    ]  # CVE-2 is still open after the upgrade; the suppressed CVE-9 is accepted risk
    assert [(c.change, c.finding.rule_id) for c in change.findings] == [
        ("added", "secret/aws"),
        ("removed", "config/root-user"),
    ]
    assert [f.rule_id for f in change.new_at_or_above(Severity.CRITICAL)] == ["CVE-3"]
    assert [f.rule_id for f in change.new_at_or_above(Severity.HIGH)] == ["CVE-3", "secret/aws"]


def test_config_changes_mask_secret_env_values_only():
    old = RunConfig(user="app", exposed_ports=("80/tcp",),
                    env=(("TOKEN", "hunter2"), ("A", "1"), ("EMPTY", "")),
                    entrypoint=("/run",), labels=(("version", "1"),))  # fmt: skip
    new = RunConfig(user="nobody", exposed_ports=("443/tcp",), env=(("TOKEN", "s3cret"),),
                    entrypoint=("/run", "--fast"), labels=(("version", HOSTILE),))  # fmt: skip
    change = diff(_result([], config=old), _result([], config=new))
    assert [(c.field, c.key, c.old, c.new) for c in change.config] == [
        ("user", "", "app", "nobody"),
        ("exposed_ports", "443/tcp", "", "present"),
        ("exposed_ports", "80/tcp", "present", ""),
        ("env", "A", "1", ""),
        ("env", "EMPTY", '""', ""),  # set empty is not unset
        ("env", "TOKEN", "********", "********"),  # changed, and still never shown
        ("entrypoint", "", '["/run"]', '["/run", "--fast"]'),
        ("labels", "version", "1", HOSTILE),
    ]
    for fmt in ("table", "json", "markdown"):
        out = render_diff(change, fmt)
        assert "hunter2" not in out and "s3cret" not in out
        assert "\x1b" not in out, fmt  # terminal escapes are shown, never sent
    assert "&lt;script&gt;" in render_diff(change, "markdown")  # a comment is HTML too


def test_base_from_answers_else_distro_and_shared_layers():
    def answers(base: str) -> FiveAnswers:
        section = Section("q", "v")
        prov = Section("Where did it come from?", "v", (Fact("base.name", "base image", base),))
        return FiveAnswers(date(2025, 1, 1), prov, section, section, section, section)

    old = _result([], answers=answers("debian:12"))
    new = _result([], layers=(BASE, APP_NEW), answers=answers("debian:13"))
    base = diff(old, new).base
    assert (base.old, base.new, base.basis, base.shared_layers) == ("debian:12", "debian:13",
                                                                    "provenance", 1)  # fmt: skip
    new = _result([], layers=(APP_NEW,), distro=Distro("alpine", "3.20"))
    base = diff(_result([]), new).base
    assert (base.old, base.new, base.basis, base.shared_layers) == ("debian 12", "alpine 3.20",
                                                                    "distro", 0)  # fmt: skip


def test_layers_and_size():
    change = diff(_result([]), _result([], layers=(BASE, APP_NEW)))
    assert [(c.change, c.layer.diff_id[-1]) for c in change.layers] == [("removed", "2"),
                                                                        ("added", "3")]  # fmt: skip
    assert change.stored_size == SizeChange(1300, 1500)
    assert change.size == SizeChange(None, None)  # hand-built layers were never read
    assert dict(heading(change))["Size"].startswith("not compared")
    assert diff(_result([]), _result([])).is_empty


def _sized(*sizes: tuple[int, int]) -> tuple[LayerRef, ...]:
    """Layers of (stored, uncompressed) bytes."""
    return tuple(LayerRef(i, f"sha256:{i:064}", size=stored, uncompressed_size=tar)
                 for i, (stored, tar) in enumerate(sizes))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "old", "new", "size", "compressed", "text"),
    [
        ("docker_save_vs_oci", _sized((3072, 3072)), _sized((1024, 3072)), SizeChange(3072, 3072),
         SizeChange(None, 1024), "3.0 KiB -> 3.0 KiB (+0 B) uncompressed"),
        ("both_compressed", _sized((1024, 3072)), _sized((1024, 3072), (512, 2048)),
         SizeChange(3072, 5120), SizeChange(1024, 1536),
         "3.0 KiB -> 5.0 KiB (+2.0 KiB) uncompressed; 1.0 KiB -> 1.5 KiB (+512 B) compressed"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_size_is_like_with_like(name, old, new, size, compressed, text):
    """Uncompressed always; compressed only when both sides store their layers so."""
    change = diff(_result([], layers=old), _result([], layers=new))
    assert (change.size, change.compressed_size) == (size, compressed)
    assert dict(heading(change))["Size"] == text
    doc = json.loads(render_diff(change, "json"))
    assert doc["uncompressed_size"] == {"old": size.old, "new": size.new, "delta": size.delta}
    assert doc["compressed_size"]["delta"] == compressed.delta


# -- end to end ----------------------------------------------------------------------------

OS_RELEASE = {"etc/os-release": 'ID=debian\nVERSION_ID="9"\n'}
LIBXML2_OLD = "2.9.4+dfsg1-2.2+deb9u6"  # one below DLA-3012-1's fix (CVE-2022-29824)
LIBXML2_NEW = "2.9.4+dfsg1-2.2+deb9u7"
LODASH = json.dumps({"name": "lodash", "version": "4.17.20"})  # high: CVE-2021-23337


def _status(libxml2: str) -> str:
    return (
        "Package: libxml2\nStatus: install ok installed\nArchitecture: amd64\n"
        f"Version: {libxml2}\n\n"
        "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1:1.2.8.dfsg-5\n\n"
    )


def _image(path, libxml2: str, user: str, extra: dict | None = None) -> str:
    spec = ImageSpec(
        layers=[OS_RELEASE, {"var/lib/dpkg/status": _status(libxml2), **(extra or {})}],
        history=["debootstrap", "apt-get install libxml2"],
        config={"User": user, "Env": ["PATH=/usr/bin"], "Labels": {"title": HOSTILE}},
    )
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


@pytest.fixture
def images(tmp_path) -> dict[str, str]:
    """v1; v2 with libxml2 upgraded (fixing one vulnerability) and USER changed; v3 is v2
    plus a vulnerable npm package, for the release gate."""
    lodash = {"app/node_modules/lodash/package.json": LODASH}
    return {
        "v1": _image(tmp_path / "v1.tar", LIBXML2_OLD, "app"),
        "v2": _image(tmp_path / "v2.tar", LIBXML2_NEW, "nobody"),
        "v3": _image(tmp_path / "v3.tar", LIBXML2_NEW, "nobody", lodash),
    }


@pytest.fixture
def db(tmp_path, corpus_required) -> str:  # noqa: F811 - the imported fixture
    path = tmp_path / "dockwise.db"
    writer = DbWriter(path)
    for record in [
        *osv_records("Debian", "DLA-3012-1"),
        *osv_records("npm", "GHSA-35jh-r3h4-6jhm"),
    ]:
        writer.add_advisory(record)
    writer.finish({"built": fresh()})  # an old one would add a warning
    return str(path)


def _diff_json(capsys, *argv: str, code: int = 0) -> dict:
    assert cli.main(["diff", "-q", "--no-cache", "-f", "json", *argv]) == code
    return json.loads(capsys.readouterr().out)


def _exact(doc: dict) -> dict:
    """What a reviewer must be told; layers and size follow from the rebuilt layer."""
    return {
        "mode": doc["mode"],
        "packages": [
            (
                p["change"],
                p["name"],
                p["old_version"],
                p["new_version"],
                p["old_layer"],
                p["new_layer"],
            )
            for p in doc["packages"]
        ],  # fmt: skip
        "vulnerabilities": [
            (v["change"], v["rule_id"], v["package"]["name"]) for v in doc["vulnerabilities"]
        ],  # fmt: skip
        "findings": doc["findings"],
        "config": [(c["field"], c["key"], c["old"], c["new"]) for c in doc["config"]],
        "base_changed": doc["base"]["changed"],
        "layers": [(layer["change"], layer["index"]) for layer in doc["layers"]],
    }


EXPECTED = {
    "mode": "scan",
    "packages": [("upgraded", "libxml2", LIBXML2_OLD, LIBXML2_NEW, 1, 1)],
    "vulnerabilities": [("fixed", "CVE-2022-29824", "libxml2")],
    "findings": [],
    "config": [("user", "", "app", "nobody")],
    "base_changed": False,
    "layers": [("removed", 1), ("added", 1)],
}


def test_two_versions_report_exactly_those_changes(images, db, capsys):
    doc = _diff_json(capsys, "--db", db, images["v1"], images["v2"])
    assert _exact(doc) == EXPECTED
    assert doc["schema"] == "dockwise-diff/1"
    assert doc["summary"]["vulnerabilities"] == {"fixed": 1}


def test_saved_json_results_give_the_same_diff(images, db, tmp_path, capsys):
    saved = []
    for name in ("v1", "v2"):
        out = tmp_path / f"{name}.json"
        argv = ["scan", "-q", "--no-cache", "--db", db, "-f", "json", "-o", str(out), images[name]]
        assert cli.main(argv) == 0
        saved.append(str(out))
    doc = _diff_json(capsys, *saved)
    assert _exact(doc) == {**EXPECTED, "mode": "saved"}
    doc = _diff_json(capsys, "--db", db, saved[0], images["v2"])  # one saved, one live
    assert _exact(doc) == EXPECTED


def test_without_a_database_packages_only_and_says_so(images, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DOCKWISE_DB", str(tmp_path / "none.db"))
    assert cli.main(["diff", "-q", "--no-cache", images["v1"], images["v2"]]) == 0
    out = capsys.readouterr().out
    assert "sbom: packages compared; no vulnerability database" in out
    assert "upgraded" in out and "Vulnerabilities" not in out
    assert "\x1b" not in out


@pytest.mark.parametrize(
    ("name", "versions", "level", "code"),
    [
        ("new_high_fails_high_gate", ("v2", "v3"), "high", 1),
        ("new_high_passes_critical_gate", ("v2", "v3"), "critical", 0),
        ("fixed_only_passes", ("v1", "v2"), "low", 0),
        ("no_gate_passes", ("v2", "v3"), None, 0),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_fail_on_new_exit_codes(images, db, capsys, name, versions, level, code):
    gate = ["--fail-on-new", level] if level else []
    argv = ["diff", "-q", "--no-cache", "--db", db, *gate, *(images[v] for v in versions)]
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert ("CVE-2021-23337" in err) == (code == 1)


@pytest.mark.parametrize(
    ("name", "argv", "message"),
    [
        ("missing_source", ["./no-such.tar", "V2"], "no-such.tar: no such file"),
        ("missing_db", ["--db", "/nonexistent/x.db", "V1", "V2"], "no vulnerability database"),
        ("bad_saved_result", ["BAD", "V2"], "not a saved dockwise result"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_errors_exit_2_with_one_line(images, tmp_path, capsys, name, argv, message):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "dockwise-sbom/9", "x": 1}')
    names = {"V1": images["v1"], "V2": images["v2"], "BAD": str(bad)}
    assert cli.main(["diff", "-q", "--no-cache", *(names.get(a, a) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_markdown_is_escaped_for_a_pull_request(images, db, capsys):
    assert cli.main(["diff", "-q", "--no-cache", "--db", db, "-f", "markdown",
                     images["v1"], images["v2"]]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("## dockwise image diff")
    assert "| user |  | app | nobody |" in out
    assert "| fixed | unknown | CVE-2022-29824 | libxml2 |" in out


SECRET_VALUES = ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "hunter2")
ENV = ["PATH=/usr/local/bin:/usr/bin", "PYTHONUNBUFFERED=1",
       f"AWS_SECRET_ACCESS_KEY={SECRET_VALUES[0]}", f"DB_PASSWORD={SECRET_VALUES[1]}"]  # fmt: skip


def test_diff_shows_env_values_as_scan_does(tmp_path, db, capsys):
    """One masking rule: what `scan` shows of the new image's env, `diff` shows too."""
    sources = []
    for name, env in (("old", ["PYTHONUNBUFFERED=0"]), ("new", ENV)):
        spec = ImageSpec(layers=[OS_RELEASE], config={"Env": env})
        write_docker_archive(spec, tmp_path / f"{name}.tar")
        sources.append(f"docker-archive:{tmp_path / name}.tar")
    outputs = {}
    for fmt in ("table", "json"):
        assert cli.main(["scan", "-q", "--no-cache", "--db", db, "-f", fmt, sources[1]]) == 0
        outputs[f"scan {fmt}"] = capsys.readouterr().out
        assert cli.main(["diff", "-q", "--no-cache", "--db", db, "-f", fmt, *sources]) == 0
        outputs[f"diff {fmt}"] = capsys.readouterr().out
    env = json.loads(outputs["scan json"])["image"]["config"]["env"]
    scanned = {e["name"]: e["value"] for e in env}
    changed = {c["key"]: c["new"] for c in json.loads(outputs["diff json"])["config"]}
    assert changed == scanned
    assert scanned == {"PATH": "/usr/local/bin:/usr/bin", "PYTHONUNBUFFERED": "1",
                       "AWS_SECRET_ACCESS_KEY": "********", "DB_PASSWORD": "********"}  # fmt: skip
    assert "PYTHONUNBUFFERED=1" in outputs["scan table"]
    rows = [line.split() for line in outputs["diff table"].splitlines() if "PYTHONUNBUF" in line]
    assert rows == [["env", "PYTHONUNBUFFERED", "0", "1"]]
    for name, out in outputs.items():
        assert not any(secret in out for secret in SECRET_VALUES), name


def test_same_image_saved_by_docker_and_as_oci_has_no_size_change(tmp_path, capsys, monkeypatch):
    """`docker save` keeps plain tars, an OCI layout gzipped ones: the same image read from
    each is the same size, and no compressed size is set against an uncompressed one."""
    monkeypatch.setenv("DOCKWISE_DB", str(tmp_path / "none.db"))
    spec = ImageSpec(layers=[OS_RELEASE, {"var/lib/dpkg/status": _status(LIBXML2_OLD)}],
                     compression="none")  # fmt: skip
    write_docker_archive(spec, tmp_path / "image.docker.tar")
    write_oci_archive(dataclasses.replace(spec, compression="gzip"), tmp_path / "image.oci.tar")
    sources = [str(tmp_path / "image.docker.tar"), str(tmp_path / "image.oci.tar")]
    doc = _diff_json(capsys, *sources)
    assert doc["size"]["delta"] < 0  # the stored blobs: plain tars against gzip
    tar = doc["uncompressed_size"]["old"]
    assert tar > 0 and doc["uncompressed_size"] == {"old": tar, "new": tar, "delta": 0}
    assert doc["compressed_size"] == {"old": None, "new": doc["size"]["new"], "delta": None}
    assert cli.main(["diff", "-q", "--no-cache", *sources]) == 0
    size = next(line for line in capsys.readouterr().out.splitlines() if "Size" in line)
    assert size.endswith("(+0 B) uncompressed"), size
