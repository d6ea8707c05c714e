"""All 474 real Dockerfiles of the shared corpus parse cleanly and lint in reasonable time."""

import time

from corpus import CORPUS

from dockwise.dockerfile.lint import lint
from dockwise.dockerfile.parser import parse_bytes

DOCKERFILES = sorted(p for p in (CORPUS / "dockerfiles").glob("*/*") if p.name != "index.json")
BUDGET_SECONDS = 60  # measured ~2.5 s on a shared 2-core machine; this only catches blow-ups


def test_corpus_is_there():
    assert len(DOCKERFILES) == 474


def test_every_corpus_dockerfile_parses_without_warnings():
    noisy = {p.name: parse_bytes(p.read_bytes()).warnings for p in DOCKERFILES}
    assert {name: w for name, w in noisy.items() if w} == {}


def test_lint_whole_corpus_timing(capsys):
    start = time.perf_counter()
    results = [lint(p.read_bytes(), str(p)) for p in DOCKERFILES]
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nlinted {len(results)} Dockerfiles in {elapsed:.2f}s")
    assert all(not r.warnings for r in results)
    assert elapsed < BUDGET_SECONDS


def test_official_images_do_not_pipe_downloads_into_a_shell():
    """The official images verify what they download: no download-execute finding."""
    found = [
        (p.name, f.title)
        for p in DOCKERFILES
        for f in lint(p.read_bytes(), str(p), ignore=[f"DW{n:03}" for n in range(1, 20)]).findings
        if f.rule_id == "dockerfile/DW020"
    ]
    assert found == []
