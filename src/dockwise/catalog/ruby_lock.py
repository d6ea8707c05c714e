"""Declared Ruby gems: Bundler's `Gemfile.lock`, and a project's own source gemspec.

Gemfile.lock (Bundler 1 and 2), per bundler's lib/bundler/lockfile_parser.rb: sections
`GIT`, `PATH`, `GEM` (and `PLUGIN SOURCE`) each list `specs:` as `    name (version)`
at four spaces, their requirements at six; a version may end in `-platform`
(`1.13.3-x86_64-linux`). A source gemspec (`Gem::Specification.new` in a project, not in
a gem home) often sets `spec.version = App::VERSION`: the constant is looked up in the
gemspec itself, then in the files it requires (`lib/app/version.rb`); nothing is run.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import declared_package
from dockwise.catalog.purls import os_purl
from dockwise.catalog.ruby import gemspec_fields
from dockwise.model import Package, ScanWarning

MAX_LOCK_SIZE = 16 * 1024 * 1024
MAX_GEMSPEC_SIZE = 1024 * 1024
_SOURCES = {"GIT": "git", "PATH": "path", "GEM": "", "PLUGIN SOURCE": "plugin"}
_SPEC = re.compile(r"^ {4}([^\s(]+) \(([^)\s]+)\)\s*$")
_OPTION = re.compile(r"^ {2}(remote|revision|branch|tag|ref): (.+)$")
# A gem home (installed gems and their specifications) is the gemspec cataloger's.
_GEM_HOME = re.compile(r"(?:^|/)(?:gems|specifications|bundler/gems)/")
_VERSION_FROM = re.compile(r"^\s*\w+\.version\s*=\s*(?:::)?([A-Z][\w:]*)", re.M)
# the rest of a require line, a parenthesised argument list spanning lines included
_REQUIRE = re.compile(r"^\s*require(?:_relative)?\b((?:[^\n(]|\([^)]*\))*)", re.M)
_STRING = re.compile(r"""["']([^"'\n]+)["']""")


class GemfileLockCataloger:
    """Gems a Bundler project locked, with their source (git, path or a gem server)."""

    name = "ruby-gemfile-lock"
    globs = ("**/Gemfile.lock", "**/gems.locked")
    reads: tuple[str, ...] = ()
    max_size = MAX_LOCK_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return list(parse_gemfile_lock(file.text()))


class GemSourceSpecCataloger:
    """A project's own gemspec, where its version is a literal or a constant."""

    name = "ruby-gemspec-source"
    globs = ("**/*.gemspec",)
    reads = ("**/version.rb",)
    max_size = MAX_GEMSPEC_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if _GEM_HOME.search(file.path):
            return []
        text = file.text()
        fields = gemspec_fields(text)
        name = (fields.get("name") or [""])[0]
        if not name:
            return []
        version = (fields.get("version") or [""])[0] or _constant_version(file.path, text, env)
        return [_gem(name, version, relationship="root")]


def parse_gemfile_lock(text: str) -> Iterator[Package]:
    """Every spec of every source section, once per name and version."""
    section, options, in_specs = "", {}, False
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section, options, in_specs = line.strip(), {}, False
        elif section in _SOURCES:
            option = _OPTION.match(line)
            if option:
                options.setdefault(option.group(1), option.group(2).strip())
            in_specs = in_specs or line.strip() == "specs:"
            spec = _SPEC.match(line) if in_specs else None
            if spec:
                _add(seen, spec.group(1), spec.group(2), _source(section, options))
    for (name, version), meta in seen.items():
        yield _gem(name, version, **meta)


def _add(seen: dict, name: str, full_version: str, source: dict[str, str]) -> None:
    """Platform builds of one version are one gem; their platforms are listed."""
    version, _, platform = full_version.partition("-")
    meta = seen.setdefault((name, version), dict(source))
    if platform:
        platforms = [p for p in meta.get("platforms", "").split(",") if p]
        meta["platforms"] = ",".join(sorted({*platforms, platform}))


def _source(section: str, options: dict[str, str]) -> dict[str, str]:
    kind = _SOURCES[section]
    meta = {"source": f"{kind}+{options.get('remote', '')}" if kind else options.get("remote", "")}
    if kind == "git":
        meta["revision"] = options.get("revision", "")
    if kind == "path":
        meta["relationship"] = "local"
    return meta


def _constant_version(path: str, text: str, env: Environment) -> str:
    """`spec.version = App::VERSION`: `VERSION = "1.2.3"` here or in a required file."""
    match = _VERSION_FROM.search(text)
    if match is None:
        return ""
    constant = re.compile(rf"\b{match.group(1).rsplit('::', 1)[-1]}\s*=\s*[\"']([^\"']+)[\"']")
    for source in (text, *_required_texts(path, text, env)):
        found = constant.search(source)
        if found:
            return found.group(1)
    return ""


def _required_texts(path: str, text: str, env: Environment) -> Iterator[str]:
    """The files a gemspec requires, by the string literals of each require, joined."""
    folder = posixpath.dirname(path)
    for args in _REQUIRE.findall(text):
        relative = "/".join(s.strip("/") for s in _STRING.findall(args))
        if not relative:
            continue
        required = env.tree.file(posixpath.normpath(posixpath.join(folder, relative)))
        if required is None and not relative.endswith(".rb"):
            required = env.tree.file(posixpath.normpath(posixpath.join(folder, relative + ".rb")))
        if required is not None and required.content is not None:
            yield required.text()


def _gem(name: str, version: str, **meta: str) -> Package:
    return declared_package(name, version, "gem", os_purl("gem", "", name, version), **meta)
