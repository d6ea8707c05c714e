"""Declared Python packages from lockfiles: poetry.lock, uv.lock, pdm.lock, pylock.toml
(PEP 751) and Pipfile.lock.

Formats: the TOML ones list `[[package]]` (pylock: `[[packages]]`) tables with `name`
and `version`; development-only packages are poetry's `category = "dev"` (Poetry < 1.2)
or a `groups` list without the main group (Poetry 2 `main`, PDM `default`). Pipfile.lock
(https://github.com/pypa/pipfile) is JSON: `default` and `develop` map names to
`{"version": "==1.2.3"}`; a git or path entry has no version.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_json_object,
    load_toml,
    unreadable,
)
from dockwise.catalog.purls import os_purl
from dockwise.catalog.python import normalize_name
from dockwise.model import Package, ScanWarning

MAX_LOCK_SIZE = 32 * 1024 * 1024
_MAIN_GROUPS = {"main", "default"}
# Sources that are the project being locked (uv's root, pylock's editable folder).
_PROJECT = ("virtual+", "editable+", "directory+")
_ROOTS = ("virtual+.", "editable+.")


class PythonLockCataloger:
    """Packages a Python project's lockfile pins."""

    name = "python-lock"
    globs = ("**/poetry.lock", "**/uv.lock", "**/pdm.lock", "**/pylock.toml",
             "**/pylock.*.toml", "**/Pipfile.lock")  # fmt: skip
    reads: tuple[str, ...] = ()
    max_size = MAX_LOCK_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        is_pipfile = posixpath.basename(file.path) == "Pipfile.lock"
        try:
            document = (load_json_object if is_pipfile else load_toml)(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        return list((pipfile_packages if is_pipfile else toml_lock_packages)(document))


def toml_lock_packages(document: dict) -> Iterator[Package]:
    """`[[package]]` (poetry, uv, pdm) or `[[packages]]` (pylock) tables."""
    tables = document.get("package", document.get("packages"))
    for entry in tables if isinstance(tables, list) else ():
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            continue
        version = entry.get("version") if isinstance(entry.get("version"), str) else ""
        source = _source(entry)
        if not version and source.startswith(_PROJECT):
            continue  # the project's own folder, unversioned: nothing to identify
        yield _pypi(name, version, dev=_is_dev(entry), source=source,
                    relationship="root" if source in _ROOTS else "")  # fmt: skip


def pipfile_packages(document: dict) -> Iterator[Package]:
    for section, dev in (("default", False), ("develop", True)):
        entries = document.get(section)
        for name, entry in entries.items() if isinstance(entries, dict) else ():
            if not isinstance(entry, dict):
                continue
            pin = entry.get("version")
            version = pin[2:] if isinstance(pin, str) and pin.startswith("==") else ""
            git = entry.get("git") if isinstance(entry.get("git"), str) else ""
            yield _pypi(str(name), version, dev=dev, source=f"git+{git}" if git else "",
                        constraint="" if version or not isinstance(pin, str) else pin)  # fmt: skip


def _is_dev(entry: dict) -> bool:
    if entry.get("category") == "dev":
        return True
    groups = entry.get("groups")
    return isinstance(groups, list) and bool(groups) and not _MAIN_GROUPS & set(groups)


def _source(entry: dict) -> str:
    """Where a non-registry package comes from: `git+url`, `directory+.`, ..."""
    source = entry.get("source")
    if isinstance(source, dict) and isinstance(source.get("type"), str):  # poetry
        kind = source["type"]
        return "" if kind == "legacy" else f"{kind}+{source.get('url', '')}"
    if isinstance(source, dict):  # uv: {registry = url} or {git | path | virtual | ... = x}
        for kind, value in source.items():
            if kind != "registry" and isinstance(value, str):
                return f"{kind}+{value}"
    for kind in ("git", "path", "url"):  # pdm keeps them at the top level
        if isinstance(entry.get(kind), str):
            return f"{kind}+{entry[kind]}"
    for kind in ("vcs", "directory", "archive"):  # pylock: [packages.<kind>] tables
        if isinstance(entry.get(kind), dict):
            return f"{kind}+{entry[kind].get('url') or entry[kind].get('path', '')}"
    return ""


def _pypi(name: str, version: str, *, dev: bool, **meta: str) -> Package:
    purl = os_purl("pypi", "", normalize_name(name), version)
    return declared_package(name, version, "pypi", purl, dev=dev, **meta)
