"""Images with planted problems, built in tmp_path with tools/imagepack, read the way
`dockwise scan` reads them but with the file tree kept for the file-based checkers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dockwise.analyze import ANALYZERS
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.checks.base import Target
from dockwise.model import Finding
from dockwise.options import Options
from dockwise.pipeline import analyze_layers
from dockwise.security.binaries import SuspiciousBinaryChecker
from dockwise.security.imageconfig import ImageConfigChecker
from dockwise.security.secrets import SecretsChecker
from dockwise.source import open_source
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector
from tools.imagepack import ImageSpec, write_docker_archive

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'


def dpkg_base(*owned: str, packages: str = "") -> dict[str, str]:
    """A Debian layer whose package `coreutils` owns `owned` (plus extra status stanzas)."""
    status = (
        "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 9.1-1\n\n" + packages
    )
    return {
        "etc/os-release": OS_RELEASE,
        "var/lib/dpkg/status": status,
        "var/lib/dpkg/info/coreutils.list": "".join(f"/{p}\n" for p in owned),
    }


def read_target(path: str) -> Target:
    options = Options(source=path, no_cache=True, quiet=True)
    image = open_source(options.source, options.platform, options.registry)
    selector = Selector.build(wanted_globs(CATALOGERS), ANALYZERS)
    tree = FileTree.from_layers(analyze_layers(image, selector, options, None))
    return Target(image.info, catalog(tree, CATALOGERS), tree)


@pytest.fixture
def build(tmp_path) -> Callable[..., str]:
    """ImageSpec keyword arguments -> path of a docker-archive in tmp_path."""
    count = iter(range(1000))

    def make(**spec) -> str:
        path = tmp_path / f"image{next(count)}.tar"
        write_docker_archive(ImageSpec(**spec), path)
        return str(path)

    return make


def run_checks(target: Target) -> list[Finding]:
    checkers = (SecretsChecker(), ImageConfigChecker(), SuspiciousBinaryChecker())
    return [f for checker in checkers for f in checker.check(target)]


def by_rule(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]
