"""Yarn lockfiles: classic v1 and berry (v2+), read line by line.

Formats: v1, https://classic.yarnpkg.com/lang/en/docs/yarn-lock/ (a YAML-like
syntax: `version "1.0.0"`); berry, https://yarnpkg.com/configuration/yarnrc and
the lockfile written by @yarnpkg/core (real YAML: `version: 1.0.0`,
`resolution: "name@npm:1.0.0"`). Both are indentation-structured, so one reader
covers both without a YAML dependency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from dockwise.catalog.npm_lock import LockEntry

# Protocols of berry entries that are not packages from a registry: the project's own
# workspaces, links to folders, and patched copies of a package already listed.
_NOT_PACKAGES = ("@workspace:", "@link:", "@portal:", "@patch:")
_FIELD = re.compile(r'\s+"?([^"\s:]+)"?:?\s+"?([^"]*)"?\s*$')


@dataclass(slots=True)
class _Block:
    """One top-level entry: its specifiers and its indented fields."""

    key: str
    fields: dict[str, str] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)


def parse_yarn_lock(data: bytes) -> list[LockEntry]:
    """Every resolved package; the same name@version listed twice is reported once."""
    seen: dict[tuple[str, str], LockEntry] = {}
    for block in _blocks(data.decode("utf-8", "replace")):
        entry = _entry(block)
        if entry is not None:
            seen.setdefault((entry.name, entry.version), entry)
    return list(seen.values())


def _blocks(text: str) -> Iterator[_Block]:
    block: _Block | None = None
    in_dependencies = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if block is not None:
                yield block
            block = _Block(line.rstrip().rstrip(":"))
            in_dependencies = False
        elif block is not None:
            in_dependencies = _add_line(block, line, in_dependencies)
    if block is not None:
        yield block


def _add_line(block: _Block, line: str, in_dependencies: bool) -> bool:
    """File one indented line; returns whether a dependencies list continues."""
    indent = len(line) - len(line.lstrip())
    stripped = line.strip()
    if indent <= 2:
        if stripped.rstrip(":") in ("dependencies", "optionalDependencies"):
            return True
        if match := _FIELD.match(line):
            block.fields[match[1]] = match[2]
        return False
    if in_dependencies:
        block.dependencies.append(stripped.split()[0].strip('"').rstrip(":").strip('"'))
    return in_dependencies


def _entry(block: _Block) -> LockEntry | None:
    """Skip metadata, workspaces and patches; name from the first specifier."""
    if block.key.startswith("__metadata") or any(p in block.key for p in _NOT_PACKAGES):
        return None
    version = block.fields.get("version", "")
    if not version:
        return None
    resolution = block.fields.get("resolution", "")
    name = _name(resolution) if resolution else _name(block.key.split(",")[0])
    if not name:
        return None
    return LockEntry(
        name=name,
        version=version,
        dependencies=tuple(sorted(set(block.dependencies))),
        resolved=block.fields.get("resolved", resolution),
        integrity=block.fields.get("integrity", block.fields.get("checksum", "")),
    )


def _name(specifier: str) -> str:
    """`"@scope/name@^1.0"` or `name@npm:1.0` to the name; `@` at 0 starts a scope.

    An alias, `alias@npm:real@^1.0`, names the real package: that is what was
    downloaded, and what advisories name.
    """
    specifier = specifier.strip().strip('"')
    at = specifier.find("@", 1)
    if at <= 0:
        return specifier
    target = specifier[at + 1 :]
    if target.startswith("npm:") and target.find("@", 5) > 0:
        return _name(target[4:])
    return specifier[:at]  # `name@git+ssh://git@host:...` is no alias: an `@` in a URL
