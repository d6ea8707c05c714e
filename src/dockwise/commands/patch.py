"""`dockwise patch SOURCE --output PATH --push REF`: upgrade the image's vulnerable Debian
packages in one new layer (Copacetic's approach), write or push the new image, and print
`dockwise diff` of old and new: the vulnerabilities fixed (docs/build.md)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from dockwise.commands import build
from dockwise.commands.flags import (
    SOURCE_HELP,
    add_registry_arguments,
    registry_access,
    write_output,
)
from dockwise.commands.outdated import add_archive_arguments
from dockwise.errors import DockwiseError
from dockwise.report.diff import DIFF_REPORTERS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    parser.add_argument("--output", metavar="PATH", help="where to write the patched image: "
                        "an OCI archive for a .tar path, else an OCI layout directory")  # fmt: skip
    parser.add_argument("--push", metavar="REF", help="push the patched image to REF")
    parser.add_argument("--tag", default="latest", help="the image's reference name in the "
                        "layout (default: latest)")  # fmt: skip
    add_archive_arguments(parser, "take fixes from")
    parser.add_argument("--allow-new", action="store_true", help="let the fixes add packages "
                        "the image does not have (default: refuse)")  # fmt: skip
    parser.add_argument("-f", "--format", dest="output_format", choices=list(DIFF_REPORTERS),
                        default="table", help="format of the diff")  # fmt: skip
    parser.add_argument("--diff-output", metavar="FILE", help="write the diff to FILE")
    build.add_vetting_arguments(parser)
    add_registry_arguments(parser.add_argument_group("registry access (SOURCE, --push)"))


def run(args: argparse.Namespace) -> int:
    from dockwise.build.patcher import PatchSettings, patch

    if not args.output and not args.push:
        raise DockwiseError("patch: nowhere to put the image: give --output PATH or --push REF")
    output = Path(args.output) if args.output else None
    build.writable(output)
    access = registry_access(args)
    settings = PatchSettings(tuple(args.sources), args.keyring, args.allow_new, args.tag, access)
    with tempfile.TemporaryDirectory(prefix="dockwise-patch-") as work:
        done = patch(args.source, Path(work), build.vetting(args), settings,
                     build.source_date_epoch())  # fmt: skip
        if done.layout is None:
            build.notice("nothing to patch: no vulnerable OS package has a fix in the archive",
                         args.quiet, force=True)  # fmt: skip
            return 0
        if args.push:
            build.push_image(done.layout, args.push, access, args.quiet)
        if output:
            build.publish_image(done.layout, done.digest, output, args.quiet)
    _summary(done, build.as_written(done.after, output, args.push), args)
    return 0


def _summary(done, after, args: argparse.Namespace) -> None:
    """What went in, the scripts that did not run (always said), then the diff."""
    from dockwise.build.vetting import compare
    from dockwise.report.diff import render_diff
    from dockwise.report.sanitize import clean

    for change in done.changes:
        was = change.installed or "(new)"
        fixes = f" fixes {' '.join(change.fixes)}" if change.fixes else ""
        build.notice(clean(f"upgraded {change.package} {was} -> {change.version}{fixes}"),
                     args.quiet)  # fmt: skip
    if done.scripts:
        listed = ", ".join(f"{name} ({' '.join(scripts)})" for name, scripts in done.scripts)
        build.notice(clean(f"warning: maintainer scripts not run: {listed}"), args.quiet,
                     force=True)  # fmt: skip
    write_output(render_diff(compare(done.before, after), args.output_format),
                 args.diff_output)  # fmt: skip
