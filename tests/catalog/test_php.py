"""Composer: installed.json (v1 and v2), composer.lock where nothing is installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from language_corpus import corpus_params, peer_pairs, reported_pairs

from dockwise.catalog import catalog
from dockwise.catalog.php import ComposerCataloger
from dockwise.source.filetree import FileTree

PHP = ComposerCataloger()
KNOWN = {
    # composer install installs packages-dev by default; syft's lock test leaves them out.
    "syft__cataloger-php__composer.lock": "we keep packages-dev, marked dev=true",
}
V1 = [{"name": "monolog/monolog", "version": "1.27.1", "license": ["MIT"]}]
V2 = {
    "packages": [
        {"name": "psr/log", "version": "3.0.0"},
        {"name": "phpunit/phpunit", "version": "10.0.0"},
    ],
    "dev": True,
    "dev-package-names": ["phpunit/phpunit"],
}


@pytest.mark.parametrize("case", corpus_params("php", KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported_pairs("php", case) == peer_pairs(case)


def test_installed_v1_and_v2() -> None:
    tree = FileTree.from_files(
        {
            "a/vendor/composer/installed.json": json.dumps(V1),
            "b/vendor/composer/installed.json": json.dumps(V2),
        }
    )
    packages = {p.name: p for p in catalog(tree, [PHP]).packages}
    assert sorted(packages) == ["monolog/monolog", "phpunit/phpunit", "psr/log"]
    assert packages["monolog/monolog"].purl == "pkg:composer/monolog/monolog@1.27.1"
    assert packages["monolog/monolog"].licenses == ("MIT",)
    assert dict(packages["phpunit/phpunit"].metadata)["dev"] == "true"


def test_lock_ignored_beside_installed_tree() -> None:
    lock = {"packages": [{"name": "x/y", "version": "1.0.0"}]}
    tree = FileTree.from_files(
        {
            "app/composer.lock": json.dumps(lock),
            "app/vendor/composer/installed.json": json.dumps(V2),
            "other/composer.lock": json.dumps(lock),
        }
    )
    got = sorted((p.name, p.location.path, p.found_as) for p in catalog(tree, [PHP]).packages)
    assert got == [
        ("phpunit/phpunit", "app/vendor/composer/installed.json", "installed"),
        ("psr/log", "app/vendor/composer/installed.json", "installed"),
        ("x/y", "other/composer.lock", "declared"),
    ]


def test_garbage_warns() -> None:
    tree = FileTree.from_files(
        {
            "a/vendor/composer/installed.json": b"\x00garbage",
            "b/vendor/composer/installed.json": json.dumps([{"name": "n"}, *V1]),
        }
    )
    inventory = catalog(tree, [PHP])
    assert [p.name for p in inventory.packages] == ["monolog/monolog"]
    assert len(inventory.warnings) == 2
