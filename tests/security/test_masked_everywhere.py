"""No planted secret value reaches any output format, through the CLI or a reporter."""

from __future__ import annotations

import dataclasses

import pytest
from corpus import fresh
from planted import read_target, run_checks
from test_secrets import RAW, planted

from dockwise import cli
from dockwise.report import INVENTORY_FORMATS, REPORTERS, render
from dockwise.security.masking import mask
from dockwise.vulndb.store import DbWriter


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "empty.db"
    writer = DbWriter(path)
    writer.finish({"built": fresh()})  # an old one would add a warning
    return str(path)


@pytest.mark.parametrize(
    ("command", "fmt"),
    [("sbom", fmt) for fmt in INVENTORY_FORMATS] + [("scan", fmt) for fmt in REPORTERS],
)
def test_cli_output_never_holds_a_secret(build, db, capsys, fmt, command):
    extra = ["--db", db] if command == "scan" else []
    argv = [command, "-q", "--no-cache", "-f", fmt, *extra, planted(build)]
    assert cli.main(argv) == 0
    out = capsys.readouterr()
    for value in RAW:
        assert value not in out.out and value not in out.err


@pytest.mark.parametrize("fmt", list(REPORTERS))
def test_reporters_never_hold_a_secret(build, fmt):
    """File findings too (rendered from a result the checkers filled with the tree)."""
    target = read_target(planted(build))
    findings = tuple(run_checks(target))
    assert any(f.kind == "secret" and f.location and f.location.path for f in findings)
    from dockwise.model import ScanResult

    result = ScanResult(target.image, target.inventory, findings=findings)
    text = render(dataclasses.replace(result), fmt)
    for value in RAW:
        assert value not in text


def test_short_values_keep_a_quarter_at_most():
    assert mask("abc") == "****" and mask("abcdefgh") == "ab****"
    assert mask("ghp_" + "x" * 36) == "ghp_****"
