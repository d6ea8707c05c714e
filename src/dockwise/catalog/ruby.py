"""Installed Ruby gems from the `specifications/*.gemspec` files RubyGems writes.

Format: the Ruby DSL of Gem::Specification#to_ruby,
https://guides.rubygems.org/specification-reference/. An installed gemspec is
generated, so its fields are literal strings (`s.version = "1.0".freeze`) and are
read with regexes, as Syft does (anchore/syft:syft/pkg/cataloger/ruby/parse_gemspec.go);
nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package, ScanWarning

# `s.name = "rake".freeze # comment`: the receiver is any block variable.
_ASSIGNMENT = re.compile(r"^\s*\w+\.(name|version|licenses?|homepage)\s*=\s*(.+?)\s*$", re.M)
_STRING = re.compile(r"""["']([^"'\n]*)["']""")
MAX_GEMSPEC_SIZE = 1024 * 1024


class GemSpecificationCataloger:
    """Gems installed by RubyGems or Bundler into a gem home."""

    name = "ruby-gemspec"
    globs = ("**/specifications/*.gemspec",)
    reads: tuple[str, ...] = ()
    max_size = MAX_GEMSPEC_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return _parse_gemspec(file)


def gemspec_fields(text: str) -> dict[str, list[str]]:
    """The string literals assigned to name, version, license(s) and homepage."""
    fields: dict[str, list[str]] = {}
    for key, value in _ASSIGNMENT.findall(text):
        key = "licenses" if key == "license" else key
        strings = _STRING.findall(value)
        if strings and key not in fields:
            fields[key] = strings
    return fields


def _parse_gemspec(file: File) -> Iterator[Package | ScanWarning]:
    fields = gemspec_fields(file.text())
    name = (fields.get("name") or [""])[0]
    version = (fields.get("version") or [""])[0]
    if not name or not version:
        yield ScanWarning("gemspec without a literal name or version", file.path, file.layer)
        return
    homepage = (fields.get("homepage") or [""])[0]
    yield Package(
        name=name,
        version=version,
        type="gem",
        purl=PackageURL(type="gem", name=name, version=version).to_string(),
        licenses=tuple(dict.fromkeys(s for s in fields.get("licenses", ()) if s)),
        metadata=(("homepage", homepage),) if homepage else (),
    )
