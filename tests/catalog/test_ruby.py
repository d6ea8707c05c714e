"""Installed gems: the peers' corpus, then our own edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from language_corpus import corpus_params, peer_pairs, reported_pairs

from dockwise.catalog import catalog
from dockwise.catalog.ruby import GemSpecificationCataloger
from dockwise.source.filetree import FileTree

GEM = GemSpecificationCataloger()
SPECS = "usr/local/bundle/specifications"
# Source gemspecs whose version is a constant defined in lib/*/version.rb, a file the
# corpus does not include; installed specifications always hold a literal version.
CONSTANT = "version is a Ruby constant from a file not in the corpus (source gemspec)"
KNOWN = {
    f"scalibr__ruby-gemspec__version_constant_{n}_version_constant_{n}.gemspec": CONSTANT
    for n in (
        "class",
        "conditional",
        "dirname",
        "expand_join",
        "freeze",
        "join_multiline",
        "require",
    )
}
KNOWN["scalibr__ruby-gemspec__version_constant_version_constant.gemspec"] = CONSTANT


@pytest.mark.parametrize("case", corpus_params("ruby", KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported_pairs("ruby", case) == peer_pairs(case)


def test_gemspec_fields() -> None:
    spec = (
        "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n"
        '  s.name = "rack".freeze\n  s.version = "3.0.8"\n'
        '  s.licenses = ["MIT".freeze, "Ruby".freeze]\n  s.homepage = "https://rack.github.io"\n'
        "end\n"
    )
    inventory = catalog(FileTree.from_files({f"{SPECS}/rack-3.0.8.gemspec": spec}), [GEM])
    [pkg] = inventory.packages
    assert (pkg.name, pkg.version, pkg.type, pkg.purl) == (
        "rack",
        "3.0.8",
        "gem",
        "pkg:gem/rack@3.0.8",
    )
    assert pkg.licenses == ("MIT", "Ruby")


def test_garbage_gemspec_warns() -> None:
    files = {
        f"{SPECS}/bad.gemspec": bytes(range(256)) * 4,
        f"{SPECS}/ok-1.0.gemspec": 's.name = "ok"\ns.version = "1.0"\n',
    }
    inventory = catalog(FileTree.from_files(files), [GEM])
    assert [p.name for p in inventory.packages] == ["ok"]
    assert len(inventory.warnings) == 1
