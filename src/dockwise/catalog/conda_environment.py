"""Declared conda packages from an environment file, `environment.yml` (or `.yaml`).

Format: https://docs.conda.io/projects/conda/en/latest/user-guide/tasks/manage-environments.html
#create-env-file-manually: `dependencies` lists conda match specs
(https://docs.conda.io/projects/conda-build/en/latest/resources/package-spec.html:
`[channel::]name[=version[=build]]`, `name==version`, `name version [build]`, or
operators, wildcards and `|`), and a `pip:` list of requirements read as pip reads
them (python_requirements.py). As trivy does, `name=1.2` and `name 1.2` report 1.2 as
the version (what `conda env export` writes is the installed version); a range, a
wildcard or an alternative is a `constraint`, and a spec without one has no version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import declared_package
from dockwise.catalog.purls import os_purl
from dockwise.catalog.python_requirements import parse_requirement, pypi_package
from dockwise.model import Package, ScanWarning
from dockwise.untrusted import load_yaml

MAX_ENVIRONMENT_SIZE = 4 * 1024 * 1024
_NAME = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*(.*)")
_EXACT = re.compile(r"[0-9A-Za-z_.+!-]+")  # no `*`, `|`, `,`, `<`, `>` or space


class CondaEnvironmentCataloger:
    """Packages a conda environment file asks for."""

    name = "conda-environment"
    globs = ("**/environment.yml", "**/environment.yaml")
    reads: tuple[str, ...] = ()
    max_size = MAX_ENVIRONMENT_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            document = load_yaml(file.content or b"")
        except ValueError as exc:  # untrusted.DocumentError: one line, says what was wrong
            return [ScanWarning(f"unreadable environment file: {exc}", file.path, file.layer)]
        dependencies = document.get("dependencies") if isinstance(document, dict) else None
        return list(environment_packages(dependencies))


def environment_packages(dependencies: object) -> Iterator[Package]:
    """Conda specs, then the requirements of any `pip:` entry."""
    for item in dependencies if isinstance(dependencies, list) else ():
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            package = conda_spec_package(str(item))
            if package is not None:
                yield package
        elif isinstance(item, dict) and isinstance(item.get("pip"), list):
            for line in item["pip"]:
                parsed = parse_requirement(line.strip(), "", []) if isinstance(line, str) else None
                if parsed is not None:
                    yield pypi_package(parsed.name, parsed.version, dict(parsed.meta), dev=False)


def conda_spec_package(spec: str) -> Package | None:
    """One match spec; None when it names no package."""
    channel, _, rest = spec.strip().rpartition("::")
    match = _NAME.fullmatch(rest.strip())
    if match is None:
        return None
    name, tail = match.groups()
    version, build = _version_build(tail.strip())
    exact = version if _EXACT.fullmatch(version) else ""
    channel = channel.split("/", 1)[0]
    purl = os_purl("conda", "", name, exact, build=build if exact else "", channel=channel)
    return declared_package(name, exact, "conda", purl, constraint="" if exact else version,
                            build=build, channel=channel)  # fmt: skip


def _version_build(tail: str) -> tuple[str, str]:
    """`=1.0=py_0`, `==1.0`, `1.0 py_0` (the space form), `>=1.0,<2`, `[version='>1']`."""
    if tail.startswith("["):
        return tail, ""
    if tail.startswith("==") or (tail.startswith("=") and tail[1:2] not in ("<", ">", "=")):
        version, _, build = tail.lstrip("=").partition("=")
        return version.strip(), build.strip()
    words = tail.split()
    if len(words) >= 2 and not re.search(r"[<>=!|,*]", words[1]):
        return words[0], words[1]  # `name 1.0 build`: the third word is a build string
    return tail, ""
