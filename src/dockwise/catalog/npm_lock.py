"""npm's `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1 to 3.

Format: https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json
(v1: a nested `dependencies` tree; v2: both; v3: the flat `packages` map keyed by
install path, `""` being the project itself).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dockwise.untrusted import load_json

NODE_MODULES = "node_modules/"
MAX_DEPTH = 256  # v1 nests one level per node_modules; deeper is a hostile file


class LockfileError(ValueError):
    """The lockfile cannot be read at all (not JSON, not a mapping, absurdly deep)."""


@dataclass(frozen=True, slots=True)
class LockEntry:
    """One resolved package of any JavaScript lockfile."""

    name: str
    version: str
    dev: bool = False
    dependencies: tuple[str, ...] = ()  # names it depends on
    resolved: str = ""
    integrity: str = ""
    local: bool = False  # the project's own workspace folder, not a registry package


def parse_npm_lock(data: bytes) -> list[LockEntry]:
    """Every package the lockfile resolves, v3's flat map preferred over v1's tree."""
    document = lock_object(data)
    packages = document.get("packages")
    if isinstance(packages, dict) and packages:
        return list(_from_packages(packages))
    dependencies = document.get("dependencies")
    return list(_from_tree(dependencies, 0)) if isinstance(dependencies, dict) else []


def lock_object(data: bytes, loader: Callable[[bytes], Any] = load_json) -> dict:
    """The lockfile's top-level object, through one of untrusted.py's bounded loaders."""
    try:
        document = loader(data)
    except ValueError as exc:
        raise LockfileError(str(exc)) from None
    if not isinstance(document, dict):
        raise LockfileError("not a JSON object")
    return document


def _from_packages(packages: Mapping[str, object]) -> Iterator[LockEntry]:
    """v2/v3: keys are install paths; a `link` entry installs a workspace folder, whose
    own entry (keyed by the folder) has its version: reported once, as trivy does, as
    the project's own (`local`)."""
    for path, entry in packages.items():
        if NODE_MODULES not in f"/{path}" or not isinstance(entry, dict):
            continue  # the root project and workspace folders are reached by their links
        name = str(entry.get("name") or path.rsplit(NODE_MODULES, 1)[-1])
        if entry.get("link"):
            folder = packages.get(str(entry.get("resolved") or "/"))  # "" is the project
            if isinstance(folder, dict) and isinstance(folder.get("version"), str):
                workspace = _entry(name, folder["version"], folder)
                yield dataclasses.replace(workspace, resolved=str(entry["resolved"]), local=True)
        elif isinstance(entry.get("version"), str):
            yield _entry(name, entry["version"], entry)
        elif isinstance(entry.get("resolved"), str):  # a git dependency npm did not version
            yield _entry(name, "", entry)


def _from_tree(dependencies: Mapping[str, object], depth: int) -> Iterator[LockEntry]:
    """v1: `dependencies` nest where npm nested node_modules folders."""
    if depth > MAX_DEPTH:
        raise LockfileError("dependency tree nested too deep")
    for name, entry in dependencies.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            continue
        yield _entry(name, entry["version"], entry)
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            yield from _from_tree(nested, depth + 1)


def _entry(name: str, version: str, entry: Mapping[str, object]) -> LockEntry:
    """An `npm:real@1.0` alias version names the real package, as npm installs it; a
    git, file or tarball spec in v1's `version` is no version: it is kept as `resolved`."""
    if version.startswith("npm:") and "@" in version[5:]:
        name, _, version = version[4:].rpartition("@")
    if ":" in version:
        entry = {**entry, "resolved": entry.get("resolved") or version}
        version = ""
    names = _dependency_names(entry.get("requires")) + _dependency_names(entry.get("dependencies"))
    return LockEntry(
        name=name,
        version=version,
        dev=bool(entry.get("dev")),
        dependencies=names,
        resolved=str(entry.get("resolved") or ""),
        integrity=str(entry.get("integrity") or ""),
    )


def _dependency_names(value: object) -> tuple[str, ...]:
    """v1 `requires` and v2/v3 `dependencies` map names to ranges; v1 nests full entries."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted(k for k, v in value.items() if isinstance(v, str)))
