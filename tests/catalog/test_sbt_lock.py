"""Declared Maven packages from sbt's build.sbt.lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.sbt_lock import SbtLockCataloger
from dockwise.source.filetree import FileTree

SBT = (SbtLockCataloger(),)
KNOWN = {
    "trivy__sbt-lockfile__v1_happy.sbt.lock": (
        "trivy leaves test-only modules out; we report them marked dev=true"
    ),
}


def place(name: str, data: bytes) -> str | None:
    return "build.sbt.lock" if name.endswith(".sbt.lock") else None


@pytest.mark.parametrize("case", declared_params("java", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, SBT, str) == expected_pairs(case, str)


def test_dev_configurations_and_purl() -> None:
    lock = {
        "lockVersion": 1,
        "dependencies": [
            {"org": "org.scala-lang", "name": "scala-library", "version": "2.12.10",
             "configurations": ["compile", "runtime", "test"]},
            {"org": "org.scalatest", "name": "scalatest_2.12", "version": "3.2.0",
             "configurations": ["test"]},
            {"org": "no", "name": "version"},
            "garbage",
        ],
    }  # fmt: skip
    tree = FileTree.from_files({"app/build.sbt.lock": json.dumps(lock)})
    found = {p.name: p for p in catalog(tree, SBT).packages}
    assert {n: dict(p.metadata).get("dev", "") for n, p in found.items()} == {
        "org.scala-lang:scala-library": "",
        "org.scalatest:scalatest_2.12": "true",
    }
    assert found["org.scalatest:scalatest_2.12"].purl == (
        "pkg:maven/org.scalatest/scalatest_2.12@3.2.0"
    )


def test_hostile_locks() -> None:
    tree = FileTree.from_files({
        "a/build.sbt.lock": b"{",
        "b/build.sbt.lock": b"[" * 100_000,
        "c/build.sbt.lock": b"[]",
        "d/build.sbt.lock": b'{"dependencies": {"a": 1}}',
    })  # fmt: skip
    inventory = catalog(tree, SBT)
    assert inventory.packages == ()
    assert [w.path for w in inventory.warnings] == ["a/build.sbt.lock", "b/build.sbt.lock",
                                                    "c/build.sbt.lock"]  # fmt: skip


def test_huge_lock() -> None:
    dependencies = [{"org": "g", "name": f"a{i}", "version": "1.0", "configurations": ["compile"]}
                    for i in range(20_000)]  # fmt: skip
    tree = FileTree.from_files({"build.sbt.lock": json.dumps({"dependencies": dependencies})})
    assert len(catalog(tree, SBT).packages) == 20_000
