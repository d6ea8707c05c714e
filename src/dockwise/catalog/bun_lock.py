"""Bun's text lockfile, `bun.lock` (lockfileVersion 0 and 1).

Format: https://bun.sh/docs/install/lockfile, JSON with trailing commas (read as JSONC,
untrusted.py). `workspaces` maps each workspace folder (`""` is the root) to its
declared `dependencies`, `devDependencies`, `optionalDependencies` and
`peerDependencies`; `packages` maps an install path (`a`, or `a/b` for a copy of `b`
nested under `a`, as in node_modules) to a tuple whose first item is `name@resolution`
and whose first object has the package's own dependencies. A registry resolution is a
version; `github:`, `git+`, `file:` and tarball resolutions are not, so they keep an
empty version and the resolution as `resolved` (as scalibr does); `workspace:` and
`link:` entries are the project's own folders, not dependencies. Like trivy, a package
reached only through a workspace's `devDependencies` is dev. The binary `bun.lockb`
(bun before 1.2) is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dockwise.catalog.npm_lock import LockEntry, lock_object
from dockwise.untrusted import load_jsonc

_OWN = ("workspace:", "link:")
_VERSION = re.compile(r"\d+\.\d+\.\d+[0-9A-Za-z.+-]*")
_PRODUCTION = ("dependencies", "optionalDependencies", "peerDependencies")


def parse_bun_lock(data: bytes) -> list[LockEntry]:
    """Every package the lockfile resolves, once per name, version and source."""
    document = lock_object(data, load_jsonc)
    packages = document.get("packages")
    packages = {str(k): v for k, v in packages.items()} if isinstance(packages, dict) else {}
    workspaces = document.get("workspaces")
    workspaces = workspaces if isinstance(workspaces, dict) else {}
    production = _reachable(packages, _roots(workspaces, _PRODUCTION))
    dev = _reachable(packages, _roots(workspaces, ("devDependencies",))) - production
    found: dict[tuple[str, str, str], LockEntry] = {}
    for path, value in packages.items():
        entry = _entry(value, dev=path in dev)
        if entry is None:
            continue
        key = (entry.name, entry.version, entry.resolved)
        if key not in found or not entry.dev:  # one production copy makes it production
            found[key] = entry
    return list(found.values())


def _entry(value: object, *, dev: bool) -> LockEntry | None:
    """`["name@1.0.0", registry, {dependencies}, integrity]` and its shorter forms."""
    if not isinstance(value, list) or not value or not isinstance(value[0], str) or not value[0]:
        return None
    name, _, resolution = value[0][1:].partition("@")
    name = value[0][0] + name
    if not name or not resolution or resolution.startswith(_OWN):
        return None
    exact = _VERSION.fullmatch(resolution) is not None
    info = next((item for item in value[1:] if isinstance(item, dict)), {})
    integrity = value[-1] if exact and len(value) > 3 and isinstance(value[-1], str) else ""
    return LockEntry(
        name=name,
        version=resolution if exact else "",
        dev=dev,
        dependencies=tuple(sorted(_dependency_names(info))),
        resolved="" if exact else resolution,
        integrity=integrity,
    )


def _roots(workspaces: Mapping[str, object], groups: tuple[str, ...]) -> list[str]:
    """Package paths the workspaces' declarations of these groups resolve from: the
    root workspace's at the top, another's nested under its name."""
    roots = []
    for folder, workspace in workspaces.items():
        if not isinstance(workspace, dict):
            continue
        prefix = f"{workspace.get('name', '')}/" if folder else ""
        for group in groups:
            declared = workspace.get(group)
            if isinstance(declared, dict):
                roots.extend(prefix + str(name) for name in declared)
    return roots


def _reachable(packages: dict[str, object], roots: list[str]) -> set[str]:
    """Package paths reachable from the roots, a dependency resolving as Node does: the
    nearest copy nested under its dependent's path, else one further up."""
    seen: set[str] = set()
    stack = [_resolve(packages, _segments(root)) for root in roots]
    while stack:
        path = stack.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        value = packages[path]
        info = next((i for i in value[1:] if isinstance(i, dict)), {}) if isinstance(
            value, list) else {}  # fmt: skip
        stack.extend(_resolve(packages, [*_segments(path), name])
                     for name in _dependency_names(info))  # fmt: skip
    return seen


def _resolve(packages: dict[str, object], segments: list[str]) -> str | None:
    """`a/b/c` looks for `a/b/c`, then `a/c`, then `c`."""
    *parents, name = segments
    while True:
        candidate = "/".join([*parents, name])
        if isinstance(packages.get(candidate), list):
            return candidate
        if not parents:
            return None
        parents.pop()


def _segments(path: str) -> list[str]:
    """`a/@s/b/c` is `a`, `@s/b`, `c`: a scope belongs to the name after it."""
    out: list[str] = []
    for part in path.split("/"):
        if out and out[-1].startswith("@") and "/" not in out[-1]:
            out[-1] += f"/{part}"
        else:
            out.append(part)
    return out


def _dependency_names(info: Mapping[str, object]) -> Iterator[str]:
    for group in ("dependencies", "optionalDependencies", "peerDependencies"):
        declared = info.get(group)
        if isinstance(declared, dict):
            yield from (str(name) for name in declared)
