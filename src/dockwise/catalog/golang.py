"""Go executables: the toolchain (`stdlib`), the main module and its dependencies.

The facts come from the build info the Go linker embeds (see dockwise.analyze.
gobuildinfo), recorded by the ELF analyzer, or the go-binary one for Mach-O and PE.
purls per https://github.com/package-url/purl-spec (type `golang`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.purls import go_purl
from dockwise.model import Package

DEVEL = "(devel)"
# `-X main.version=v1.0.0` and friends: how projects stamp a version into a binary
# built without a module version (Debian's, or `go build` in a checkout)
_LDFLAGS_VERSION = re.compile(r"-X\s+'?(?:main|[\w./-]*/version)\.[Vv]ersion=([^\s']+)")
_GO_VERSION = re.compile(r"go\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?")


class GoBinaryCataloger:
    """Packages from Go build info in executables, one set per binary."""

    name = "go-binary"
    globs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    max_size = 0
    facts = ("elf", "go-binary")

    def parse(self, file: File, env: Environment) -> Iterator[Package]:
        for analyzer in self.facts:
            facts = file.facts.get(analyzer)
            if isinstance(facts, dict) and isinstance(facts.get("go"), dict):
                yield from go_packages(facts["go"])
                return


def go_packages(info: dict) -> Iterator[Package]:
    """stdlib first, then the main module, then each dependency (replacements applied)."""
    settings = dict(info.get("settings", []))
    toolchain = info.get("version", "")
    if toolchain:
        yield _stdlib(toolchain, settings)
    main = info.get("main") or {}
    path = main.get("path") or info.get("path", "")
    if path:
        yield _main_module(path, main, settings)
    for dep in info.get("deps", []):
        yield _dependency(dep)


def _stdlib(toolchain: str, settings: dict[str, str]) -> Package:
    """`go1.21.5` as Go reports it; suffixes such as ` X:boringcrypto` go to metadata."""
    match = _GO_VERSION.search(toolchain)
    version = match.group(0) if match else toolchain
    meta = {"toolchain": toolchain, "relationship": "toolchain"}
    for key in ("GOOS", "GOARCH", "CGO_ENABLED", "GOEXPERIMENT"):
        if settings.get(key):
            meta[f"build.{key}"] = settings[key]
    return Package("stdlib", version, "golang", go_purl("stdlib", version),
                   metadata=_sorted(meta))  # fmt: skip


def _main_module(path: str, main: dict, settings: dict[str, str]) -> Package:
    """The module that was built; `(devel)` (Go's word for "no module version", kept as
    Syft does) is replaced by an -ldflags version if any."""
    version = main.get("version", "")
    meta = {f"build.{k}": v for k, v in settings.items()}
    meta["relationship"] = "main"
    if version in ("", DEVEL):
        meta["module_version"] = version or DEVEL
        match = _LDFLAGS_VERSION.search(settings.get("-ldflags", ""))
        version = match.group(1) if match else DEVEL
    if main.get("sum"):
        meta["h1_digest"] = main["sum"]
    return Package(path, version, "golang", go_purl(path, version), metadata=_sorted(meta))


def _dependency(dep: dict) -> Package:
    """A dependency as compiled in: a versioned `=>` replacement wins over the original."""
    path, version, meta = dep.get("path", ""), dep.get("version", ""), {}
    replace = dep.get("replace")
    if replace:
        meta["replaces"] = f"{path}@{version}" if version else path
        if replace.get("version"):
            path, version = replace.get("path", path), replace["version"]
        else:
            meta["replaced_by_path"] = replace.get("path", "")
            version = ""
        dep = replace
    if dep.get("sum"):
        meta["h1_digest"] = dep["sum"]
    meta["relationship"] = "dependency"
    return Package(path, version, "golang", go_purl(path, version), metadata=_sorted(meta))


def _sorted(meta: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in meta.items() if v != ""))
