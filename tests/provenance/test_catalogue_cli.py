"""The base catalogue as a user meets it: `scan` learns from images (medium, and says
from which), `cache info` counts it, `cache clean` and `--no-cache` leave no trace of
earlier scans, and `cache learn-base` records a trusted (high) base."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from corpus import fresh

from dockwise import cli
from dockwise.provenance.base import HIGH_LAYERS, MEDIUM_HISTORY, MEDIUM_LEARNED
from dockwise.vulndb.store import DbWriter
from tools.imagepack import ImageSpec, write_docker_archive

OS = {"etc/os-release": "ID=debian\nVERSION_ID=12\n"}
BASE_LAYERS = [OS, {"usr/bin/tool": "#!/bin/sh\n"}]
BASE_HISTORY = ["mmdebstrap --variant=minbase bookworm", "apt-get install -y tool"]


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """Each test its own cache: what one scan learns must not leak into another test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "dockwise"


@pytest.fixture
def images(tmp_path) -> tuple[str, str]:
    """A (a base of two layers) and B (A's layers plus an app layer)."""
    base = ImageSpec(layers=BASE_LAYERS, history=BASE_HISTORY)
    app = ImageSpec(layers=[*BASE_LAYERS, {"app/main.sh": "echo hi\n"}],
                    history=[*BASE_HISTORY, "COPY main.sh /app/"])  # fmt: skip
    write_docker_archive(base, tmp_path / "a.tar", tags=["a:1"])
    write_docker_archive(app, tmp_path / "b.tar", tags=["b:1"])
    return str(tmp_path / "a.tar"), str(tmp_path / "b.tar")


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "dockwise.db"
    DbWriter(path).finish({"built": fresh()})  # no advisories: only provenance matters here
    return str(path)


def scan(capsys, db: str, image: str, *flags: str) -> dict[str, tuple[str, str]]:
    """The base facts of IMAGE's provenance answer: key -> (value, evidence)."""
    assert cli.main(["scan", "-q", "--db", db, "-f", "json", *flags, image]) == 0
    facts = json.loads(capsys.readouterr().out)["answers"]["sections"]["provenance"]["facts"]
    return {f["key"]: (f["value"], f["evidence"]) for f in facts if f["key"].startswith("base.")}


def run(capsys, *argv: str) -> str:
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


def test_a_scanned_image_becomes_a_learned_medium_base_that_says_so(capsys, images, db):
    a, b = images
    assert scan(capsys, db, b)["base.confidence"][0] == MEDIUM_HISTORY
    scan(capsys, db, a)
    today = datetime.now(UTC).date().isoformat()
    base = scan(capsys, db, b)
    assert base["base.name"] == ("a:1", f"catalogue: 2 identical layers, learned from image a:1 "
                                        f"scanned on {today}")  # fmt: skip
    assert base["base.confidence"][0] == MEDIUM_LEARNED


def test_no_cache_neither_reads_nor_writes_the_catalogue(capsys, images, db, cache_home):
    a, b = images
    scan(capsys, db, a, "--no-cache")
    assert not (cache_home / "bases.json").exists()
    scan(capsys, db, a)
    assert "a:1" in str(scan(capsys, db, b))  # learned, as a check that A is recognisable
    assert "a:1" not in str(scan(capsys, db, b, "--no-cache"))


def test_cache_info_counts_the_catalogue_and_clean_forgets_it(capsys, images, db, cache_home):
    a, b = images
    scan(capsys, db, a)
    scan(capsys, db, b)
    info = run(capsys, "cache", "info")
    assert re.search(r"known bases: +2 \(0 trusted, 2 learned from scans\)", info)
    assert "and 2 known bases from" in run(capsys, "cache", "clean")
    assert not (cache_home / "bases.json").exists()
    assert "a:1" not in str(scan(capsys, db, b))
    assert re.search(r"known bases: +1 ", run(capsys, "cache", "info"))  # B, learned again


def test_learn_base_records_a_trusted_high_base(capsys, images, db):
    a, b = images
    assert "trusted base debian-base:12: 2 layers" in run(
        capsys, "cache", "learn-base", "--name", "debian-base:12", a
    )
    scan(capsys, db, a)  # A's own name for the same layers: learned, must not win
    today = datetime.now(UTC).date().isoformat()
    base = scan(capsys, db, b)
    assert base["base.name"] == (
        "debian-base:12",
        f"catalogue: 2 identical layers of a trusted base (cache learn-base {a}, {today})",
    )
    assert base["base.confidence"][0] == HIGH_LAYERS
    assert re.search(r"known bases: +3 \(1 trusted, 2 learned", run(capsys, "cache", "info"))


def test_learn_base_names_the_base_by_its_source_by_default(capsys, images, db):
    a, b = images
    run(capsys, "cache", "learn-base", f"docker-archive:{a}")
    assert scan(capsys, db, b)["base.name"][0] == f"docker-archive:{a}"


def test_learn_base_of_an_image_without_layer_digests_is_one_line(capsys, tmp_path):
    (tmp_path / "rootfs" / "etc").mkdir(parents=True)
    assert cli.main(["cache", "learn-base", f"dir:{tmp_path / 'rootfs'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no layer digests" in err
