"""`dockwise rebuild SPEC --previous IMAGE --output PATH`: build the spec again (as
`dockwise build` does) and say what changed since IMAGE, as `dockwise diff` says it:
packages upgraded, vulnerabilities fixed, and the new digest; an unchanged package set
gives the same digest, and the command says so (docs/build.md)."""

from __future__ import annotations

import argparse
import sys

from dockwise.commands import build
from dockwise.commands.flags import SOURCE_HELP, write_output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    build.add_arguments(parser)
    parser.add_argument("--previous", required=True, metavar="IMAGE",
                        help=f"the image the spec built before: {SOURCE_HELP}")  # fmt: skip
    parser.add_argument("--diff-output", metavar="FILE", help="write the diff to FILE "
                        "(default: stdout; the vetting report goes only to --report)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from dockwise.build.vetting import compare, vet
    from dockwise.report.diff import render_diff

    settings = build.vetting(args)
    previous = vet(args.previous, settings, no_cache=False)
    code, built = build.build_and_write(args, settings, report=False)  # stdout: the diff
    change = compare(previous, built.result)
    write_output(render_diff(change, "table"), args.diff_output)
    same = previous.image.manifest_digest == built.digest
    verdict = "unchanged: the same digest" if same else "changed: a new digest"
    print(f"dockwise: {verdict} {built.digest} (previous {previous.image.manifest_digest})",
          file=sys.stderr)  # fmt: skip
    return code
