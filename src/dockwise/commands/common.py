"""Flags and plumbing that several subcommands share."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from dockwise.errors import DockwiseError
from dockwise.options import Options, RegistryAccess
from dockwise.report import INVENTORY_FORMATS, REPORTERS

SOURCE_HELP = (
    "image to read: docker-archive:PATH, oci-archive:PATH, oci-dir:PATH, dir:PATH, "
    "registry:REF, docker:REF, podman:REF, a bare path whose kind is detected, "
    "or a bare image reference (python:3.12-slim) read from its registry"
)
USERNAME_ENV, PASSWORD_ENV = "DOCKWISE_REGISTRY_USERNAME", "DOCKWISE_REGISTRY_PASSWORD"
OFFLINE_ENV = "DOCKWISE_OFFLINE"
SECRETS_MAX_ENV = "DOCKWISE_SECRETS_MAX_SIZE"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}  # K, M, G as KiB, MiB, GiB


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
    parser.add_argument(
        "--secrets-max-size", metavar="SIZE", type=size_argument,
        help=f"text files larger than this are not read for secrets (bytes, or 512K, 4M; "
        f"default: ${SECRETS_MAX_ENV}, else 1M); the scan counts those it skipped",
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


def source_options(args: argparse.Namespace) -> Options:
    """The Options every command that reads an image shares, from its parsed flags."""
    return Options(
        source=args.source,
        platform=args.platform,
        output_format=args.output_format,
        output=args.output,
        quiet=args.quiet,
        no_cache=args.no_cache,
        registry=registry_access(args),
        key=args.key,
        secrets_max_size=args.secrets_max_size or secrets_max_size_from_env(),
    )


def parse_size(text: str) -> int:
    """`1048576`, `512K`, `4M`, `1G` (binary units, an optional `iB`/`B`) -> bytes > 0."""
    value = text.strip().lower().removesuffix("ib").removesuffix("b")
    number, unit = (value[:-1], value[-1]) if value[-1:] in "kmg" else (value, "")
    if not number.isdigit() or int(number) == 0:
        raise ValueError(f"{text!r}: expected a size such as 1048576, 512K or 4M")
    return int(number) * _UNITS[unit]


def size_argument(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def secrets_max_size_from_env() -> int | None:
    """$DOCKWISE_SECRETS_MAX_SIZE, when set; a bad value is a one-line error."""
    raw = os.environ.get(SECRETS_MAX_ENV, "").strip()
    if not raw:
        return None
    try:
        return parse_size(raw)
    except ValueError as exc:
        raise DockwiseError(f"{SECRETS_MAX_ENV}={exc}") from None


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


def registry_access(args: argparse.Namespace) -> RegistryAccess:
    """Flags first, then DOCKWISE_REGISTRY_USERNAME/PASSWORD; the password never in argv."""
    username = args.username or os.environ.get(USERNAME_ENV) or None
    password = os.environ.get(PASSWORD_ENV) if username else None
    if args.password_stdin:
        if not username:
            raise DockwiseError(f"--password-stdin needs --username (or ${USERNAME_ENV})")
        password = sys.stdin.readline().rstrip("\r\n")
    return RegistryAccess(
        username=username,
        password=password,
        insecure_registries=tuple(args.insecure_registry),
        ca_cert=args.ca_cert,
        offline=offline_requested(args.offline),
    )


def offline_requested(flag: bool = False) -> bool:
    """`--offline`, or $DOCKWISE_OFFLINE set to anything but empty, 0, false or no: a
    site-wide switch for air-gapped machines, where a download attempt only hangs."""
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    return flag or value not in ("", "0", "false", "no")


def write_output(text: str, output: str | None) -> None:
    """To stdout, or to FILE; an unwritable FILE is a one-line error."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DockwiseError(f"{output}: cannot write ({exc.strerror})") from None


def progress(quiet: bool, feeds: bool = False) -> AbstractContextManager:
    """Rich bars on a terminal (over the layers, or over the feed files a database build
    downloads); nothing in CI, pipes or with --quiet."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return nullcontext(None)
    from dockwise.progress import FeedProgress, LayerProgress

    return FeedProgress() if feeds else LayerProgress()
