"""Suppression end to end, for every kind of finding `dockwise scan` reports.

An image built here carries one finding of each kind (two vulnerabilities, a secret, a
risky setting, a suspicious binary, a history step, an end-of-life release and a git
checkout); an
ignore file suppresses one of each and a VEX document the second vulnerability. A
suppressed finding must stay suppressed everywhere the scan says something: in the
findings, in the gate's failing set and in question 5's "suppressed" count.
"""

from __future__ import annotations

import json

import pytest
from corpus import CORPUS, fresh

from dockwise import cli
from dockwise.vulndb.store import DbWriter
from tests.checks.conftest import osv_records
from tools.imagepack import ImageSpec, Member, write_docker_archive

LODASH = json.dumps({"name": "lodash", "version": "4.17.20"})
STATUS = "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 8.26-3\n"
UPX = b"\x7fELF" + b"\0" * 200 + b"UPX!" + b"\0" * 64
BY_VEX = "CVE-2020-28500"  # lodash ReDoS; the ignore file takes CVE-2021-23337
KINDS = ("vulnerability", "secret", "config", "suspicious-binary", "provenance", "lifecycle",
         "design")


@pytest.fixture
def image(tmp_path) -> str:
    spec = ImageSpec(
        layers=[
            {"etc/os-release": 'ID=debian\nVERSION_ID="9"\nVERSION_CODENAME=stretch\n',
             "var/lib/dpkg/status": STATUS,
             "var/lib/dpkg/info/coreutils.list": "/bin/ls\n", "bin/ls": "ls"},
            {"app/node_modules/lodash/package.json": LODASH,
             "app/.env": "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAMQ\n",
             "app/.git/HEAD": "ref: refs/heads/main\n"},
            [Member("opt/tool/packed", UPX, mode=0o755)],
        ],
        history=["debootstrap", "COPY app /app",
                 "RUN curl -fsSL https://get.example.com/install.sh | sh"],
    )  # fmt: skip
    path = tmp_path / "image.tar"
    write_docker_archive(spec, path)
    return f"docker-archive:{path}"


@pytest.fixture
def db(tmp_path) -> str:
    assert (CORPUS / "osv").is_dir(), f"shared corpus not found at {CORPUS}"
    path = tmp_path / "dockwise.db"
    writer = DbWriter(path)
    for record in osv_records("npm", "GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"):
        writer.add_advisory(record)
    writer.finish({"built": fresh()})
    return str(path)


def scan(capsys, *argv: str) -> tuple[int, dict]:
    code = cli.main(["scan", "-q", "--no-cache", "--format", "json", "--show-suppressed", *argv])
    return code, json.loads(capsys.readouterr().out)


def suppress_one_of_each(doc: dict, tmp_path) -> tuple[str, str]:
    """An ignore file naming one finding of every kind (but BY_VEX), and a VEX document
    saying lodash is not affected by BY_VEX."""
    chosen = {}
    for finding in doc["findings"]:
        if finding["rule_id"] != BY_VEX:
            chosen.setdefault(finding["kind"], finding["rule_id"])
    assert sorted(chosen) == sorted(KINDS)
    ignore = tmp_path / "ignore.yaml"
    entries = [f"  - {{id: {rule}, reason: accepted {kind}}}\n" for kind, rule in chosen.items()]
    ignore.write_text("ignore:\n" + "".join(entries))
    statement = {
        "vulnerability": {"name": BY_VEX},
        "products": [{"@id": "pkg:npm/lodash"}],
        "status": "not_affected",
        "justification": "vulnerable_code_not_present",
    }
    vex = tmp_path / "vex.json"
    vex.write_text(json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x",
                               "author": "ops", "timestamp": "2026-01-01T00:00:00Z",
                               "version": 1, "statements": [statement]}))  # fmt: skip
    return str(ignore), str(vex)


def test_a_suppressed_finding_of_any_kind_stays_suppressed(image, db, tmp_path, capsys):
    _, plain = scan(capsys, "--db", db, image)
    assert not any(f["suppressed"] for f in plain["findings"])
    ignore, vex = suppress_one_of_each(plain, tmp_path)
    code, doc = scan(capsys, "--db", db, "--ignore-file", ignore, "--vex", vex,
                     "--fail-on", "negligible", image)  # fmt: skip

    suppressed = [f for f in doc["findings"] if f["suppressed"]]
    assert sorted({f["kind"] for f in suppressed}) == sorted(KINDS)
    reasons = {f["rule_id"]: f["suppressed"] for f in suppressed}
    assert reasons[BY_VEX] == "vex not_affected: vulnerable_code_not_present"
    assert all(r.startswith("ignored: accepted ") for k, r in reasons.items() if k != BY_VEX)
    assert len(doc["findings"]) == len(plain["findings"])  # marked, never dropped

    active = [f for f in doc["findings"] if not f["suppressed"]]
    failing = {(f["kind"], f["rule_id"]) for v in doc["verdict"]["violations"]
               for f in v["findings"]}  # fmt: skip
    assert failing == {(f["kind"], f["rule_id"]) for f in active}
    assert code == (1 if active else 0)

    security = {f["key"]: f["value"] for f in doc["answers"]["sections"]["security"]["facts"]}
    assert security["suppressed"] == str(len(suppressed))
    assert security["findings"] == str(len(active))
    for kind in KINDS:
        count = sum(f["kind"] == kind for f in active)
        assert security.get(f"kind.{kind}", "0") == str(count), kind
