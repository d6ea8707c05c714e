"""The public Python API: the example in docs/python-api.md runs as written against two
releases of an image built here, and each function's result is what the CLI reports."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import REPO

import dockwise
from dockwise import cli
from dockwise.changes import ImageDiff
from dockwise.errors import DockwiseError, ReportError
from dockwise.model import ScanResult
from dockwise.model_json import from_json
from tools.imagepack import ImageSpec, write_docker_archive

DOC = REPO / "docs" / "python-api.md"
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'


def release(lodash: str) -> ImageSpec:
    """The app at one release: Debian 12, with lodash at `lodash` and an old minimist."""
    npm = {f"app/node_modules/{name}/package.json": json.dumps({"name": name, "version": v})
           for name, v in (("lodash", lodash), ("minimist", "0.0.8"))}  # fmt: skip
    return ImageSpec(layers=[{"etc/os-release": OS_RELEASE}, npm],
                     history=["ADD rootfs.tar /", "COPY app /app"])  # fmt: skip


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> str:
    """What the doc's example expects in its directory: two releases and a database."""
    write_docker_archive(release("4.17.11"), tmp_path / "app-1.0.tar")
    write_docker_archive(release("4.17.21"), tmp_path / "app-1.1.tar")
    mirror = tmp_path / "mirror"
    subprocess.run([sys.executable, str(REPO / "demo" / "build_mirror.py"), str(mirror)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    db = ["db", "update", "-q", "--mirror", mirror.as_uri(), "--db", str(tmp_path / "vulns.db")]
    assert cli.main(db) == 0
    monkeypatch.chdir(tmp_path)
    return str(tmp_path)


def example() -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), re.S | re.M)
    assert len(blocks) == 1, "docs/python-api.md has one runnable example"
    return blocks[0]


def test_the_documented_example_runs(workdir, capsys):
    names: dict = {}
    exec(compile(example(), str(DOC), "exec"), names)  # noqa: S102 - our own documentation
    out = capsys.readouterr().out

    inventory, result, saved, change, accepted = (
        names[n] for n in ("inventory", "result", "saved", "change", "accepted")
    )
    assert isinstance(inventory, ScanResult) and not inventory.findings
    assert inventory.answers is None
    assert "npm lodash 4.17.11 app/node_modules/lodash/package.json" in out

    vulns = {f.rule_id for f in result.findings if f.kind == "vulnerability"}
    assert {"CVE-2019-10744", "CVE-2020-8203", "CVE-2021-23337", "CVE-2021-44906"} <= vulns
    assert not any(f.suppressed for f in result.findings) and result.answers is not None
    assert saved.findings == result.findings and saved.answers == result.answers

    assert isinstance(change, ImageDiff) and change.mode == "scan"
    moved = {(c.change, c.finding.rule_id) for c in change.vulnerabilities}
    assert {("fixed", "CVE-2019-10744"), ("fixed", "CVE-2021-23337")} <= moved
    assert not any(rule == "CVE-2021-44906" for _, rule in moved)  # still there
    assert [(p.change, p.name) for p in change.packages] == [("upgraded", "lodash")]

    suppressed = [f for f in accepted.findings if f.suppressed]
    assert [f.rule_id for f in suppressed] == ["CVE-2021-44906"]
    assert suppressed[0].suppressed == "ignored: minimist only parses our own flags"
    assert len(accepted.findings) == len(result.findings)  # marked, never dropped
    security = {f.key: f.value for f in accepted.answers.security.facts}
    assert security["suppressed"] == "1"
    assert re.search(r"^cannot read it: .*app-0\.9\.tar", out, re.M)


def test_the_cli_reports_what_the_api_returns(workdir, capsys):
    """`dockwise scan --format json` is the API's result, through the one codec."""
    assert cli.main(["scan", "-q", "--db", "vulns.db", "-f", "json", "--show-suppressed",
                     "docker-archive:app-1.0.tar"]) == 0  # fmt: skip
    shown = from_json(json.loads(capsys.readouterr().out))
    result = dockwise.scan("docker-archive:app-1.0.tar", db="vulns.db", quiet=True)
    assert shown.findings == result.findings
    files_left_out = tuple(dataclasses.replace(p, files=()) for p in result.inventory.packages)
    assert shown.inventory.packages == files_left_out


def test_options_are_checked_and_errors_raised(workdir):
    with pytest.raises(TypeError, match="no_such_flag"):
        dockwise.sbom("docker-archive:app-1.0.tar", no_such_flag=True)
    with pytest.raises(DockwiseError, match="^no.json: cannot read"):  # one path, not letters
        dockwise.scan("docker-archive:app-1.0.tar", db="vulns.db", vex="no.json")
    with pytest.raises(DockwiseError, match="max_db_age 'soon'"):
        dockwise.scan("docker-archive:app-1.0.tar", db="vulns.db", max_db_age="soon")
    with pytest.raises(DockwiseError, match="no vulnerability database at .*missing.db"):
        dockwise.diff("docker-archive:app-1.0.tar", "docker-archive:app-1.1.tar",
                      db="missing.db")  # fmt: skip
    Path("other.json").write_text('{"bomFormat": "CycloneDX"}')
    with pytest.raises(ReportError, match="other.json: not a saved dockwise result"):
        dockwise.load_result("other.json")


def test_diff_without_a_database_compares_inventories(workdir, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKWISE_DB", str(tmp_path / "none.db"))
    old = dockwise.scan("docker-archive:app-1.0.tar", db="vulns.db", quiet=True)
    change = dockwise.diff(old, "docker-archive:app-1.1.tar", quiet=True)
    assert change.mode == "sbom" and not change.vulnerabilities
    assert [(p.change, p.name) for p in change.packages] == [("upgraded", "lodash")]
    assert dockwise.diff(old, old).mode == "saved"


def test_importing_dockwise_loads_nothing_else():
    code = "import sys, dockwise; print(sorted(m for m in sys.modules if 'dockwise' in m))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=REPO)  # fmt: skip
    assert found.stdout.strip() == "['dockwise', 'dockwise.version']"
