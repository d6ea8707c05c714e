"""`dockwise lint` through cli.main: formats, ignores, exit codes."""

import json

import pytest

from dockwise.cli import main

DOCKERFILE = """FROM debian
RUN apt-get update && apt-get install -y curl
# dockwise ignore=DW015
RUN curl -fsSL https://example.com/install.sh | sh
USER root
"""


@pytest.fixture
def dockerfile(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def rules_in(text: str) -> set[str]:
    return {word for word in text.split() if word.startswith("DW")}


def test_table_lists_lines_and_rules(dockerfile, capsys):
    assert main(["lint", str(dockerfile), "--failure-threshold", "none"]) == 0
    out = capsys.readouterr().out
    assert f"{dockerfile}:4" in out and "DW020" in out
    assert rules_in(out) == {"DW001", "DW003", "DW014", "DW020", "DW101", "DW102", "DW104"}


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        pytest.param([], 1, id="default_fails_on_error_level"),
        pytest.param(["--ignore", "DW020"], 0, id="default_passes_below_error"),
        pytest.param(["--failure-threshold", "none"], 0, id="none_never_fails"),
        pytest.param(["--failure-threshold", "warning", "--ignore", "DW020"], 1, id="warning"),
        pytest.param(["--fail-on", "high"], 1, id="fail_on_high"),
        pytest.param(["--fail-on", "critical"], 0, id="fail_on_critical"),
        pytest.param(["--fail-on", "error", "--ignore", "DW020"], 0, id="fail_on_is_an_alias"),
    ],
)
def test_exit_codes(dockerfile, argv, code, capsys):
    """DOCKERFILE's most severe finding is DW020 (high = error); then DW001 (medium)."""
    assert main(["lint", str(dockerfile), *argv]) == code


@pytest.mark.parametrize(
    ("level", "code"),
    [("error", 0), ("warning", 0), ("info", 0), ("style", 1), ("ignore", 1), ("negligible", 1)],
)
def test_hadolint_levels_map_onto_severities(tmp_path, level, code, capsys):
    """The only finding here is DW014 (negligible): hadolint's `style` level and below."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\nUSER nobody\n")
    assert main(["lint", str(path), "--failure-threshold", level]) == code
    assert rules_in(capsys.readouterr().out) == {"DW014"}


def test_ignore_takes_hadolint_ids(dockerfile, capsys):
    main(["lint", str(dockerfile), "--ignore", "DL3008", "--ignore", "dw104"])
    assert not {"DW101", "DW104"} & rules_in(capsys.readouterr().out)


def test_unreadable_input_is_exit_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "missing")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_binary_input_is_exit_2_not_a_clean_result(tmp_path, capsys):
    binary = tmp_path / "image.tar"
    binary.write_bytes(b"ustar\0" + bytes(range(256)) * 4)
    assert main(["lint", str(binary)]) == 2
    assert capsys.readouterr().err.strip().endswith("not a Dockerfile (binary content)")


def test_json_is_a_scan_result(dockerfile, capsys):
    main(["lint", str(dockerfile), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    first = doc["findings"][0]
    assert first["kind"] == "dockerfile" and first["location"]["path"] == str(dockerfile)
    assert {"key": "hadolint", "value": "DL3006"} in first["evidence"]


def test_sarif_points_at_lines(dockerfile, capsys):
    main(["lint", str(dockerfile), "--format", "sarif"])
    doc = json.loads(capsys.readouterr().out)
    lines = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
             for r in doc["runs"][0]["results"]}  # fmt: skip
    assert lines["dockerfile/DW020"] == 4 and lines["dockerfile/DW003"] == 5


def test_stdin(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine:3.20\n")))
    assert main(["lint", "-"]) == 0
    assert "DW014" in capsys.readouterr().out


def test_unknown_ignore_ids_are_warned_about_and_lint_still_runs(dockerfile, capsys):
    argv = ["--ignore", "XX999", "--ignore", "DL3059", "--ignore", "DL3008", "--ignore", "dw104"]
    assert main(["lint", str(dockerfile), *argv]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "dockwise: warning: --ignore XX999: no such rule (DW### or a mapped hadolint DL####)",
        "dockwise: warning: --ignore DL3059: a hadolint rule dockwise does not implement",
    ]
    assert "DW020" in rules_in(out) and not {"DW101", "DW104"} & rules_in(out)


@pytest.mark.parametrize("name", ["Dockerfile", "Containerfile"])
def test_a_directory_means_its_dockerfile_or_containerfile(tmp_path, name, capsys):
    (tmp_path / name).write_text(DOCKERFILE)
    assert main(["lint", str(tmp_path), "--fail-on", "none"]) == 0
    assert f"{tmp_path / name}:4" in capsys.readouterr().out


def test_the_default_is_the_current_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "Containerfile").write_text(DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--fail-on", "none"]) == 0
    assert "Containerfile:4" in capsys.readouterr().out


def test_a_directory_without_either_is_exit_2_naming_both(tmp_path, capsys):
    (tmp_path / "Dockerfile").mkdir()
    assert main(["lint", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"dockwise: error: {tmp_path}: neither {tmp_path / 'Dockerfile'} "
                   f"nor {tmp_path / 'Containerfile'} is a file")  # fmt: skip
