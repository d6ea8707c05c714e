"""A non-editable install (the README's quick start) must ship every data file."""

import fnmatch
import tomllib

from corpus import REPO

SRC = REPO / "src"


def test_every_data_file_is_declared_as_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in (SRC / "dockwise").rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(SRC).parts)
        owners = {p: g for p, g in declared.items() if package == p or package.startswith(p + ".")}
        rel = lambda pkg: path.relative_to(SRC / pkg.replace(".", "/")).as_posix()  # noqa: E731
        if not any(fnmatch.fnmatch(rel(p), g) for p, globs in owners.items() for g in globs):
            missing.append(path.relative_to(SRC).as_posix())
    assert missing == []
