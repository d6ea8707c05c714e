"""Declared Python packages from a project's own metadata: `pyproject.toml` and
`setup.py`, where no lockfile beside them says what was resolved.

Formats: PEP 621 `[project]` `dependencies` and `optional-dependencies` (an extra is
kept as `extra`; it is dev when its name says dev or tests), PEP 735
`[dependency-groups]` (never installed with the package: dev), and Poetry's
`[tool.poetry.dependencies]`, `dev-dependencies` and `group.<name>.dependencies`
(https://python-poetry.org/docs/dependency-specification/: a bare `1.2.3` pins it, as
`==` does; a group other than main is dev). `setup.py` is read statically, never run:
its syntax tree's `setup(...)` call, `install_requires`, `extras_require` and
`tests_require` (dev), as string lists, names bound to them anywhere in the file,
a string literal's `.split()` and `+` of those; anything computed is skipped, as
scalibr and syft do. Build requirements (`[build-system] requires`, `setup_requires`)
are tools of the build, not of what runs, and are not read, as in both peers.
Requirements are read as pip reads them (python_requirements.py).
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import ManifestError, load_toml, unreadable
from dockwise.catalog.python_requirements import (
    decode,
    dev_name,
    parse_requirement,
    pypi_package,
)
from dockwise.model import Package, ScanWarning

MAX_PROJECT_SIZE = 4 * 1024 * 1024
LOCKFILES = ("poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")
_INSTALLED_TREES = re.compile(r"(?:^|/)(?:site-packages|dist-packages|node_modules)/")
_POETRY_EXACT = re.compile(r"=?=?\s*(\d[0-9A-Za-z.+!-]*)")  # `1.2.3`, `==1.2.3`
_SETUP_LISTS = {"install_requires": False, "tests_require": True}


class PythonProjectCataloger:
    """Requirements a Python project's pyproject.toml or setup.py declares."""

    name = "python-project"
    globs = ("**/pyproject.toml", "**/setup.py")
    reads: tuple[str, ...] = ()
    max_size = MAX_PROJECT_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        folder = posixpath.dirname(file.path)
        if _INSTALLED_TREES.search(file.path) or any(
            env.tree.entry(posixpath.join(folder, lock)) for lock in LOCKFILES
        ):
            return []  # a package's own sources, or a lockfile that says what was resolved
        try:
            if file.path.endswith(".toml"):
                return list(pyproject_packages(load_toml(file)))
            return list(setup_packages(decode(file.content or b"")))
        except ManifestError as exc:
            return [unreadable(file, exc)]


def pyproject_packages(document: dict) -> Iterator[Package]:
    """PEP 621, PEP 735 and Poetry declarations."""
    project = _table(document, "project")
    yield from _requirements(project.get("dependencies"), dev=False)
    for extra, requirements in _table(project, "optional-dependencies").items():
        yield from _requirements(requirements, dev=dev_name(extra), extra=extra)
    for group, requirements in _table(document, "dependency-groups").items():
        yield from _requirements(requirements, dev=True, group=group)
    poetry = _table(_table(document, "tool"), "poetry")
    yield from _poetry(_table(poetry, "dependencies"), "")
    yield from _poetry(_table(poetry, "dev-dependencies"), "dev")
    for group, table in _table(poetry, "group").items():
        yield from _poetry(_table(table if isinstance(table, dict) else {}, "dependencies"),
                           group)  # fmt: skip


def setup_packages(source: str) -> Iterator[Package]:
    """The literal requirement lists of a `setup(...)` call."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ManifestError(f"not Python source ({exc.__class__.__name__})") from exc
    names = _bound_names(tree)
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_setup(n.func)):
        for keyword in call.keywords:
            if keyword.arg in _SETUP_LISTS:
                yield from _requirements(_strings(keyword.value, names),
                                         dev=_SETUP_LISTS[keyword.arg])  # fmt: skip
            elif keyword.arg == "extras_require":
                for extra, value in _extras(keyword.value, names):
                    yield from _requirements(value, dev=dev_name(extra), extra=extra)


def _requirements(values: object, *, dev: bool, **meta: str) -> Iterator[Package]:
    """PEP 508 strings; anything else in the list is skipped."""
    for value in values if isinstance(values, list) else ():
        item = parse_requirement(value.strip(), "", []) if isinstance(value, str) else None
        if item is not None:
            yield pypi_package(item.name, item.version, {**dict(item.meta), **meta}, dev=dev)


def _poetry(table: dict, group: str) -> Iterator[Package]:
    """`name = "^1.2"` or `name = {version = ..., git = ..., optional = true}`."""
    for name, spec in table.items():
        if name.lower() == "python":
            continue  # the interpreter the project supports, not a package
        fields = spec if isinstance(spec, dict) else {"version": spec}
        constraint = str(fields.get("version") or "")
        exact = _POETRY_EXACT.fullmatch(constraint.strip())
        source = fields.get("git") or fields.get("path") or fields.get("url") or ""
        meta = {"constraint": constraint, "source": str(source),
                "group": group if group not in ("", "main") else ""}  # fmt: skip
        yield pypi_package(str(name), exact.group(1) if exact else "", meta,
                           dev=group not in ("", "main"))  # fmt: skip


def _table(document: object, key: str) -> dict:
    value = document.get(key) if isinstance(document, dict) else None
    return value if isinstance(value, dict) else {}


def _is_setup(func: ast.expr) -> bool:
    """`setup(...)`, `setuptools.setup(...)`, `distutils.core.setup(...)`."""
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup")  # fmt: skip


def _bound_names(tree: ast.AST) -> dict[str, ast.expr]:
    """`NAME = value` anywhere in the file (the last one wins, as it would at run time
    in the usual straight-line setup.py)."""
    names: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value
    return names


def _strings(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> list[str]:
    """A list of literal strings, a name bound to one, a literal's `.split()`, `a + b`."""
    if depth > 8:  # names bound to each other in a loop
        return []
    if isinstance(node, ast.Name) and node.id in names:
        return _strings(names[node.id], names, depth + 1)
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value for e in node.elts if isinstance(e, ast.Constant)
                and isinstance(e.value, str)]  # fmt: skip
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("split", "splitlines")
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)):  # fmt: skip
        return getattr(node.func.value.value, node.func.attr)()
    return []


def _extras(node: ast.expr, names: dict[str, ast.expr]) -> Iterator[tuple[str, list[str]]]:
    """`{"dev": [...], ...}` (or a name bound to it): each extra's strings."""
    if isinstance(node, ast.Name) and isinstance(names.get(node.id), ast.Dict):
        node = names[node.id]
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, _strings(value, names)
