"""Declared gems: Gemfile.lock sections and platforms, source gemspecs with constants."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.ruby_lock import GemfileLockCataloger, GemSourceSpecCataloger
from dockwise.source.filetree import FileTree

RUBY = (GemfileLockCataloger(), GemSourceSpecCataloger())
GARBLED = "the peer's expected list merges several fixtures (loose extraction); not comparable"
# These gemspecs read their version from lib/example_app/version.rb, which the corpus
# does not include; test_constant_from_required_file has such a file.
NO_VERSION_FILE = "the version constant's file (lib/.../version.rb) is not in the corpus"
KNOWN = {
    f"scalibr__ruby-gemspec__version_constant_{n}_version_constant_{n}.gemspec": NO_VERSION_FILE
    for n in ("class", "conditional", "dirname", "expand_join", "freeze", "join_multiline",
              "require")  # fmt: skip
}
KNOWN["scalibr__ruby-gemspec__version_constant_version_constant.gemspec"] = NO_VERSION_FILE


def place(name: str, data: bytes) -> str | None:
    if name.endswith(".gemspec"):
        return name
    return "Gemfile.lock" if name.endswith(".lock") else None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("ruby", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, RUBY, version) == expected_pairs(case, version)


LOCK = """GIT
  remote: https://github.com/hanami/utils.git
  revision: 5904fc9
  branch: unstable
  specs:
    hanami-utils (2.0.0.alpha1)
      transproc (~> 1.0)

PATH
  remote: .
  specs:
    myapp (0.1.0)
      rack

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.13.3-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.13.3-aarch64-linux)
    rack (2.2.3)
    transproc (1.1.1)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  hanami-utils!
  not-a-spec (1.0)

CHECKSUMS
  rack (2.2.3) sha256=abc

BUNDLED WITH
   2.5.6
"""


def test_gemfile_lock_sections() -> None:
    tree = FileTree.from_files({"app/Gemfile.lock": LOCK})
    packages = {p.name: p for p in catalog(tree, RUBY).packages}
    got = {name: (p.version, dict(p.metadata)) for name, p in packages.items()}
    assert got == {
        "hanami-utils": ("2.0.0.alpha1", {"source": "git+https://github.com/hanami/utils.git",
                                          "revision": "5904fc9"}),  # fmt: skip
        "myapp": ("0.1.0", {"source": "path+.", "relationship": "local"}),
        "nokogiri": ("1.13.3", {"source": "https://rubygems.org/",
                                "platforms": "aarch64-linux,x86_64-linux"}),  # fmt: skip
        "rack": ("2.2.3", {"source": "https://rubygems.org/"}),
        "transproc": ("1.1.1", {"source": "https://rubygems.org/"}),
    }
    assert {p.found_as for p in packages.values()} == {"declared"}
    assert packages["rack"].purl == "pkg:gem/rack@2.2.3"


SPEC = """require_relative File.join(
  'lib',
  'example_app',
  'version'
)

Gem::Specification.new do |spec|
  spec.name = 'example_app'
  spec.version = ExampleApp::VERSION
end
"""


def test_constant_from_required_file() -> None:
    tree = FileTree.from_files(
        {
            "src/app/example_app.gemspec": SPEC,
            "src/app/lib/example_app/version.rb": "module ExampleApp\n  VERSION = '1.2.3'\nend\n",
            "src/inline/inline.gemspec": "VERSION = '0.4.0'\nGem::Specification.new do |s|\n"
            "  s.name = 'inline'\n  s.version = VERSION\nend\n",
            "usr/local/bundle/gems/rake-13.0.3/rake.gemspec": "s.name = 'rake'\ns.version = '1'\n",
        }
    )
    got = {(p.name, p.version, dict(p.metadata)["relationship"])
           for p in catalog(tree, RUBY).packages}  # fmt: skip
    assert got == {("example_app", "1.2.3", "root"), ("inline", "0.4.0", "root")}


def test_constant_not_found_leaves_version_empty() -> None:
    tree = FileTree.from_files({"src/app/example_app.gemspec": SPEC})
    assert [(p.name, p.version) for p in catalog(tree, RUBY).packages] == [("example_app", "")]


def test_garbage_gives_nothing() -> None:
    garbage = b"\xff\xfeGEM\n  specs:\n    (((\n" + b"x" * 10_000
    tree = FileTree.from_files({"a/Gemfile.lock": garbage, "b/x.gemspec": b"\0"})
    inventory = catalog(tree, RUBY)
    assert inventory.packages == ()
    assert inventory.warnings == ()
