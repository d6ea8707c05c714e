"""Subcommands of `dockwise`: the explicit registry the CLI builds its parser from.

Each entry names the command's module and its one-line help. Only the command being
run is imported, so `dockwise sbom` does not pay for the policy engine, the diff's
version libraries or the Dockerfile linter.
Add one: write `commands/<name>.py` with `add_arguments(parser)` and `run(args) -> int`,
and add it here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: dict[str, tuple[str, str]] = {
    "sbom": ("dockwise.commands.sbom", "list what is inside an image (an SBOM)"),
    "scan": (
        "dockwise.commands.scan",
        "vet an image: vulnerabilities, secrets, configuration, provenance, support",
    ),
    "profile": (
        "dockwise.commands.profile",
        "the least privilege an image can run with: Kubernetes YAML, docker flags, Compose",
    ),
    "gate": (
        "dockwise.commands.gate",
        "apply the policy to a result saved with `scan --format json` (exit 1 if it fails)",
    ),
    "diff": (
        "dockwise.commands.diff",
        "compare two images (or two saved JSON results): packages, vulnerabilities, config",
    ),
    "lint": (
        "dockwise.commands.lint",
        "check a Dockerfile for risky or non-reproducible instructions",
    ),
    "db": (
        "dockwise.commands.db",
        "manage the offline vulnerability database (update, status, export, import)",
    ),
    "build": (
        "dockwise.commands.build",
        "build an image from a distribution's signed packages, vetted, SBOM and provenance "
        "attached",
    ),
    "rebuild": (
        "dockwise.commands.rebuild",
        "build a spec again and show what changed since the previous image (diff, digest)",
    ),
    "outdated": (
        "dockwise.commands.outdated",
        "which OS packages the distribution has newer versions of (exit 1: a security fix)",
    ),
    "patch": (
        "dockwise.commands.patch",
        "upgrade an image's vulnerable OS packages in one new layer and show what it fixed",
    ),
    "cache": ("dockwise.commands.cache", "show or empty the cache, or record a trusted base"),
    "fleet": (
        "dockwise.commands.fleet",
        "remember every image vetted; re-match them all when advisories change",
    ),
    "worker": (
        "dockwise.commands.worker",
        "take queued fleet jobs (scan, rematch) from a PostgreSQL store, until SIGTERM",
    ),
    "serve": (
        "dockwise.commands.serve",
        "serve the Harbor scanner API, the fleet API and a dashboard over HTTP",
    ),
}


def load(name: str) -> ModuleType:
    """The module of one command."""
    return importlib.import_module(COMMANDS[name][0])
