"""Helpers for images with planted problems, read the way `dockwise scan` reads them but
with the file tree kept for the file-based checkers. (A module of its own: test modules
import it by name, and `conftest` is a name every test directory shares.)"""

from __future__ import annotations

from dockwise.checks.base import Target
from dockwise.checks.binaries import SuspiciousBinaryChecker
from dockwise.checks.imageconfig import ImageConfigChecker
from dockwise.checks.secrets import SecretsChecker
from dockwise.model import Finding
from dockwise.options import Options
from dockwise.pipeline import inventory

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
# Planted values: none of these strings may ever appear in any output.
KEY_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0" * 3
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n"


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


def read_target(path: str, **options) -> Target:
    """The inventory and the file tree, as `dockwise scan` hands them to checkers."""
    result, tree = inventory(Options(source=path, no_cache=True, quiet=True, **options), None)
    return Target(result.image, result.inventory, tree)


def run_checks(target: Target) -> list[Finding]:
    checkers = (SecretsChecker(), ImageConfigChecker(), SuspiciousBinaryChecker())
    return [f for checker in checkers for f in checker.check(target)]


def by_rule(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]
