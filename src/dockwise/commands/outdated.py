"""`dockwise outdated SOURCE`: the image's OS packages that the distribution's archive has
newer versions of (release, -updates, -security), and the advisories those fix. Exit 1
when a security fix is available, for scheduled CI rebuilds (docs/build.md)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dockwise.commands.build import add_vetting_arguments, vetting
from dockwise.commands.flags import SOURCE_HELP, write_output

SECURITY_FIX, UP_TO_DATE = 1, 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    add_archive_arguments(parser, "compare with")
    parser.add_argument("-f", "--format", dest="output_format", choices=["table", "json"],
                        default="table")  # fmt: skip
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    add_vetting_arguments(parser)


def add_archive_arguments(parser: argparse.ArgumentParser, purpose: str) -> None:
    """--sources and --keyring: the archive `outdated` compares with, `patch` takes from."""
    parser.add_argument(
        "--sources", metavar="LINE", action="append", default=[],
        help=f"an apt sources.list line to {purpose} (repeatable; default: the image "
        "release's suite, -updates and -security on the distribution's archive)",
    )  # fmt: skip
    parser.add_argument("--keyring", metavar="FILE", help="OpenPGP keyring signing --sources")


def run(args: argparse.Namespace) -> int:
    from dockwise.build.outdated import compare_with_archive, installed
    from dockwise.build.vetting import vet

    result = vet(args.source, vetting(args), no_cache=False)
    sources = tuple(args.sources) or _default_sources(result)
    [found] = compare_with_archive([installed(result)], sources, args.keyring,
                                   result.image.architecture or "amd64")  # fmt: skip
    write_output(_render(found, args.output_format), args.output)
    return SECURITY_FIX if any(u.security for u in found) else UP_TO_DATE


def _default_sources(result) -> tuple[str, ...]:
    from dockwise.build.distro import image_release

    return image_release(result.inventory.distro)[1]


def _render(found, fmt: str) -> str:
    if fmt == "json":
        rows = [{**asdict(u), "security": u.security} for u in found]
        return json.dumps({"upgrades": rows}, indent=2, sort_keys=True)
    if not found:
        return "every OS package is at the newest version the archive offers"
    from dockwise.report.sanitize import clean

    header = ("PACKAGE", "INSTALLED", "AVAILABLE", "SUITE", "FIXES")
    rows = [header, *((u.package, u.installed, u.available, u.suite, " ".join(u.fixes) or "-")
                      for u in found)]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(clean(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    security = sum(u.security for u in found)
    lines.append(f"{len(found)} package(s) can be upgraded, {security} with a security fix: "
                 "rebuild" if security else f"{len(found)} package(s) can be upgraded")  # fmt: skip
    return "\n".join(lines)
