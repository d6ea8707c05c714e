"""The flags several subcommands share, and what they decide: the run's Options, registry
access, offline mode, where the output goes and whether progress shows."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dockwise.errors import DockwiseError
from dockwise.model import ScanResult
from dockwise.options import (
    OFFLINE_ENV,
    PASSWORD_ENV,
    SECRETS_MAX_ENV,
    USERNAME_ENV,
    RegistryAccess,
    parse_size,
)
from dockwise.options import registry_access as resolve_registry_access
from dockwise.report import INVENTORY_FORMATS, REPORTERS
from dockwise.report.sanitize import clean

SOURCE_HELP = (
    "image to read: docker-archive:PATH, oci-archive:PATH, oci-dir:PATH, dir:PATH, "
    "registry:REF, docker:REF, podman:REF, a bare path whose kind is detected, "
    "or a bare image reference (python:3.12-slim) read from its registry"
)


def add_source_arguments(parser: argparse.ArgumentParser, *, findings: bool = True) -> None:
    """SOURCE, --platform, --format, --output, --quiet; `findings`: whether the command
    runs checks, and so offers the formats that report findings."""
    parser.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    formats = list(REPORTERS) if findings else list(INVENTORY_FORMATS)
    parser.add_argument(
        "-f", "--format", dest="output_format", choices=formats, default="table",
        type=str if findings else inventory_format,
    )  # fmt: skip
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]",
        help="the platform to read: picks one image of an index; any other image must be it",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--no-cache", action="store_true", help="neither use nor fill the cache (known bases too)"
    )
    parser.add_argument(
        "--key", metavar="FILE", help="verify cosign signatures with this public key (PEM)"
    )
    if findings:  # `sbom` reads no file for secrets
        parser.add_argument(
            "--secrets-max-size", metavar="SIZE", type=size_argument,
            help=f"text files larger than this are not read for secrets (bytes, or 512K, "
            f"4M; default: ${SECRETS_MAX_ENV}, else 1M); the scan counts those it skipped",
        )  # fmt: skip
    add_registry_arguments(parser.add_argument_group("registry access"))


def inventory_format(value: str) -> str:
    """A findings format asked of a command that has no findings is pointed to `scan`."""
    if value in REPORTERS and value not in INVENTORY_FORMATS:
        raise argparse.ArgumentTypeError(
            f"{value} reports findings and this command runs no checks; "
            f"use `dockwise scan --format {value}`"
        )
    return value


def source_keywords(args: argparse.Namespace) -> dict[str, Any]:
    """The Python API's keyword arguments (`dockwise.sbom`, `dockwise.scan`) from the flags
    every command that reads an image shares: the same names, resolved the same way."""
    return {"platform": args.platform, "no_cache": args.no_cache, "key": args.key,
            "quiet": args.quiet, "secrets_max_size": getattr(args, "secrets_max_size", None),
            **registry_keywords(args)}  # fmt: skip


def size_argument(text: str) -> int:
    """An argparse type: a size in bytes, or with a K, M or G suffix."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_registry_arguments(group: argparse._ArgumentGroup) -> None:
    """--username, --password-stdin, --insecure-registry, --ca-cert."""
    group.add_argument("--username", help=f"registry user (default: ${USERNAME_ENV})")
    group.add_argument(
        "--password-stdin", action="store_true", help=f"read the password from stdin "
        f"(default: ${PASSWORD_ENV}, then ~/.docker/config.json)"
    )  # fmt: skip
    group.add_argument(
        "--insecure-registry", metavar="HOST", action="append", default=[],
        help="allow plain HTTP or unverified TLS to HOST[:PORT] (repeatable)",
    )  # fmt: skip
    group.add_argument("--ca-cert", metavar="FILE", help="also trust the CA certificates in FILE")
    group.add_argument(
        "--offline", action="store_true",
        help=f"use no network: no registry, no feed download (default: ${OFFLINE_ENV})",
    )  # fmt: skip


def registry_keywords(args: argparse.Namespace) -> dict[str, Any]:
    """--username, --password-stdin, --insecure-registry, --ca-cert and --offline as the
    API's keyword arguments; the password is read from stdin, never from argv."""
    password = None
    if args.password_stdin:
        if not (args.username or os.environ.get(USERNAME_ENV)):
            raise DockwiseError(f"--password-stdin needs --username (or ${USERNAME_ENV})")
        password = sys.stdin.readline().rstrip("\r\n")
    return {"username": args.username, "password": password, "ca_cert": args.ca_cert,
            "insecure_registry": args.insecure_registry, "offline": args.offline}  # fmt: skip


def registry_access(args: argparse.Namespace) -> RegistryAccess:
    """The registry flags, resolved as the API resolves its arguments."""
    return resolve_registry_access(**registry_keywords(args))


def write_output(text: str, output: str | None) -> None:
    """To stdout, or to FILE; an unwritable FILE is a one-line error."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DockwiseError(f"{output}: cannot write ({exc.strerror})") from None


def warn_uncovered(result: ScanResult, side: str = "") -> None:
    """One stderr line per package group the vulnerability database did not cover, even
    in CI and with --quiet: a clean verdict over unchecked packages must say so. Escaped:
    a release's name comes from the image or SBOM (a purl's `distro` qualifier)."""
    for group in result.coverage:
        if not group.covered:
            print(f"dockwise: warning: {side}{clean(group.sentence)}", file=sys.stderr)
