"""All 474 real Dockerfiles of the shared corpus parse cleanly and lint in reasonable time."""


from corpus import CORPUS

from dockwise.dockerfile.lint import lint
from dockwise.dockerfile.parser import parse_bytes

DOCKERFILES = sorted(p for p in (CORPUS / "dockerfiles").glob("*/*") if p.name != "index.json")


def test_corpus_is_there():
    assert len(DOCKERFILES) == 474


def test_every_corpus_dockerfile_parses_without_warnings():
    noisy = {p.name: parse_bytes(p.read_bytes()).warnings for p in DOCKERFILES}
    assert {name: w for name, w in noisy.items() if w} == {}


def test_lint_whole_corpus():
    """Every corpus Dockerfile lints cleanly (no rule fails to run); its timing is
    measured by bench/lint_bench.py, not asserted here."""
    results = [lint(p.read_bytes(), str(p)) for p in DOCKERFILES]
    assert len(results) == len(DOCKERFILES)
    assert all(not r.warnings for r in results)


def test_official_images_do_not_pipe_downloads_into_a_shell():
    """The official images verify what they download: no download-execute finding."""
    found = [
        (p.name, f.title)
        for p in DOCKERFILES
        for f in lint(p.read_bytes(), str(p), ignore=[f"DW{n:03}" for n in range(1, 20)]).findings
        if f.rule_id == "dockerfile/DW020"
    ]
    assert found == []
