"""Go modules a project declares: `go.mod`, and `go.sum` or `vendor/modules.txt` where no
`go.mod` sits beside them.

Formats: https://go.dev/ref/mod#go-mod-file (`require`, `replace`, `exclude`, `go` and
`toolchain` directives, single-line or in parenthesised blocks; `// indirect` marks a
requirement no package of the main module imports) and https://go.dev/ref/mod#go-sum-files
(`module version[/go.mod] h1:hash`). Like trivy and scalibr, the toolchain a module asks
for is reported as `stdlib`; like the Go binary cataloger, a replacement by a local
directory keeps the original path with no version. `go mod vendor` writes
`vendor/modules.txt` (https://go.dev/ref/mod#vendoring): `# module version [=> new]`
headers, `## explicit` for a direct requirement, then the module's vendored packages; a
module without any (only its go.mod was needed) is not built in, as scalibr reads it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import declared_package
from dockwise.catalog.purls import os_purl
from dockwise.model import Package, ScanWarning

MAX_GO_MOD_SIZE = 8 * 1024 * 1024
# The module cache and vendor trees hold the go.mod of every dependency: not declarations
# of the image's own code, and counted already by the go.mod that requires them.
_DEPENDENCY_TREES = re.compile(r"(?:^|/)(?:vendor|pkg/mod)/")
_GO_VERSION = re.compile(r"go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?")
_DIRECTIVE = re.compile(r"^(require|replace|exclude|go|toolchain)\b\s*(.*)$")
# Since Go 1.21 the `go` line is the minimum toolchain; before, only a language version.
_TOOLCHAIN_GO = (1, 21)
# Before Go 1.17 go.mod lists only some indirect requirements; go.sum has the rest.
_FULL_GRAPH_GO = (1, 17)


@dataclass(slots=True)
class GoMod:
    """The directives of one go.mod that decide what gets built."""

    go: str = ""
    toolchain: str = ""
    requires: list[tuple[str, str, bool]] = field(default_factory=list)  # path, version, indirect
    replaces: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    excludes: set[tuple[str, str]] = field(default_factory=set)


class GoModCataloger:
    """Declared Go modules of a source tree or a build stage copied into the image."""

    name = "go-mod"
    globs = ("**/go.mod", "**/go.sum", "**/vendor/modules.txt")
    reads: tuple[str, ...] = ()
    max_size = MAX_GO_MOD_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if posixpath.basename(file.path) == "modules.txt":
            project = posixpath.dirname(posixpath.dirname(file.path))
            if env.tree.entry(posixpath.join(project, "go.mod")) is not None:
                return []  # the go.mod beside vendor/ declares the same modules
            return list(vendored_packages(file.text()))
        if _DEPENDENCY_TREES.search(file.path):
            return []
        if file.path.endswith(".sum"):
            if env.tree.entry(_beside(file.path, "go.mod")) is not None:
                return []  # the go.mod beside it is read with this go.sum's hashes
            return [_sum_package(path, version, digest, False)
                    for (path, version), digest in parse_go_sum(file.text()).items()]  # fmt: skip
        go_sum = env.tree.file(_beside(file.path, "go.sum"))
        sums = parse_go_sum(go_sum.text()) if go_sum is not None else {}
        return list(mod_packages(parse_go_mod(file.text()), sums))


def parse_go_mod(text: str) -> GoMod:
    """The directives that matter, in either the one-line or the block form."""
    mod = GoMod()
    block = ""
    for raw in text.splitlines():
        line, _, comment = raw.partition("//")
        line = line.strip()
        if block:
            if line == ")":
                block = ""
            elif line:
                _directive(mod, block, line, comment)
            continue
        match = _DIRECTIVE.match(line)
        if match is None:
            continue
        verb, rest = match.groups()
        if rest == "(":
            block = verb
        else:
            _directive(mod, verb, rest, comment)
    return mod


def _directive(mod: GoMod, verb: str, args: str, comment: str) -> None:
    words = [w.strip('"') for w in args.split()]
    if verb == "go" and words:
        mod.go = words[0]
    elif verb == "toolchain" and words:
        mod.toolchain = words[0]
    elif verb == "require" and len(words) >= 2:
        mod.requires.append((words[0], words[1], "indirect" in comment.split(";")[0]))
    elif verb == "exclude" and len(words) >= 2:
        mod.excludes.add((words[0], words[1]))
    elif verb == "replace" and "=>" in words:
        _replace(mod, words)


def _replace(mod: GoMod, words: list[str]) -> None:
    """`old [version] => new [version]`; no old version replaces every version."""
    arrow = words.index("=>")
    old, new = words[:arrow], words[arrow + 1 :]
    if old and new:
        mod.replaces[(old[0], old[1] if len(old) > 1 else "")] = (new[0], "".join(new[1:2]))


def parse_go_sum(text: str) -> dict[tuple[str, str], str]:
    """(module, version) -> h1 hash of the module's content.

    `/go.mod`-only lines hash a go.mod that was read while resolving versions, not code
    that was downloaded, so they name no dependency.
    """
    sums: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == 3 and not words[1].endswith("/go.mod"):
            sums.setdefault((words[0], words[1]), words[2])
    return sums


def mod_packages(mod: GoMod, sums: dict[tuple[str, str], str]) -> Iterator[Package]:
    """stdlib when a toolchain is named, then each requirement with replacements applied."""
    stdlib = _stdlib_version(mod)
    if stdlib:
        meta = {"relationship": "toolchain", "go_directive": mod.go, "toolchain": mod.toolchain}
        yield _package("stdlib", stdlib, meta)
    seen: set[tuple[str, str]] = set()
    for path, version, indirect in mod.requires:
        if (path, version) in mod.excludes:
            continue
        package = _requirement(mod, path, version, indirect, sums)
        if (package.name, package.version) not in seen:
            seen.add((package.name, package.version))
            yield package
    if _version_tuple(mod.go) < _FULL_GRAPH_GO:
        yield from _sum_only(sums, seen)


def vendored_packages(text: str) -> Iterator[Package]:
    """Each vendored module once, its replacement applied as go.mod's would be."""
    seen: set[tuple[str, str]] = set()
    for header, marks, has_packages in _vendor_blocks(text):
        words = header.split()
        arrow = words.index("=>") if "=>" in words else len(words)
        old, new = words[:arrow], words[arrow + 1 :]
        if not old or not has_packages:
            continue
        mod = GoMod()
        if new:
            mod.replaces[(old[0], "")] = (new[0], "".join(new[1:2]))
        package = _requirement(mod, old[0], "".join(old[1:2]), "explicit" not in marks, {})
        if (package.name, package.version) not in seen:
            seen.add((package.name, package.version))
            yield package


def _vendor_blocks(text: str) -> Iterator[tuple[str, str, bool]]:
    """(`# ...` header, its `## ...` marks, whether package lines follow it)."""
    header, marks, has_packages = "", "", False
    for line in [*text.splitlines(), "# "]:
        if line.startswith("## "):
            marks += line[3:] + ";"
        elif line.startswith("# "):
            if header:
                yield header, marks, has_packages
            header, marks, has_packages = line[2:].strip(), "", False
        elif line.strip():
            has_packages = True


def _requirement(
    mod: GoMod, path: str, version: str, indirect: bool, sums: dict[tuple[str, str], str]
) -> Package:
    meta = {"relationship": "indirect" if indirect else "direct"}
    new = mod.replaces.get((path, version)) or mod.replaces.get((path, ""))
    if new is not None:
        meta["replaces"] = f"{path}@{version}" if version else path
        if new[1]:
            path, version = new
        else:  # a local directory: no module version describes its code
            meta["replaced_by_path"] = new[0]
            version = ""
    meta["h1_digest"] = sums.get((path, version), "")
    return _package(path, version, meta)


def _sum_only(sums: dict[tuple[str, str], str], seen: set[tuple[str, str]]) -> Iterator[Package]:
    """Pre-1.17 modules: what go.sum downloaded beyond go.mod's list, as indirect."""
    for (path, version), digest in sums.items():
        if (path, version) not in seen:
            yield _sum_package(path, version, digest, True)


def _sum_package(path: str, version: str, digest: str, beside_mod: bool) -> Package:
    meta = {"h1_digest": digest, "relationship": "indirect" if beside_mod else ""}
    return _package(path, version, meta)


def _stdlib_version(mod: GoMod) -> str:
    """`toolchain go1.22.5`, else a `go 1.21`-or-later line, spelled as Go binaries do."""
    match = _GO_VERSION.search(mod.toolchain)
    if match:
        return match.group(0)
    if mod.go and _version_tuple(mod.go) >= _TOOLCHAIN_GO:
        return f"go{mod.go}"
    return ""


def _version_tuple(version: str) -> tuple[int, ...]:
    """`1.21.3` -> (1, 21, 3); no `go` line means the oldest behaviour."""
    parts = re.findall(r"\d+", version)[:2]
    return tuple(int(p) for p in parts) or (0,)


def _package(path: str, version: str, meta: dict[str, str]) -> Package:
    namespace, _, name = path.rpartition("/")
    return declared_package(path, version, "golang", os_purl("golang", namespace, name, version),
                            **meta)  # fmt: skip


def _beside(path: str, name: str) -> str:
    return posixpath.join(posixpath.dirname(path), name)
