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
        if not _declared(path, declared):
            missing.append(path.relative_to(SRC).as_posix())
    assert missing == []


def _declared(path, declared: dict[str, list[str]]) -> bool:
    """True when a package-data glob of the file's package (or a parent) matches it."""
    package = ".".join(path.parent.relative_to(SRC).parts)
    for owner, globs in declared.items():
        if package == owner or package.startswith(owner + "."):
            relative = path.relative_to(SRC / owner.replace(".", "/")).as_posix()
            if any(fnmatch.fnmatch(relative, glob) for glob in globs):
                return True
    return False
