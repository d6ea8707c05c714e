"""`dockwise diff OLD NEW`: what a new release of an image changed, and a release gate.

Each side is any SOURCE `scan` accepts, or a result saved with `--format json`
(recognised by its content, not its name). Live sources are scanned when a vulnerability
database is available and only inventoried (`sbom`) otherwise; the output says which.
"""

from __future__ import annotations

import argparse
import sys

from dockwise.commands.flags import (
    SOURCE_HELP,
    add_registry_arguments,
    registry_keywords,
    write_output,
)
from dockwise.model import Severity
from dockwise.report.diff import DIFF_REPORTERS, render_diff

LEVELS = [str(s) for s in Severity if s is not Severity.UNKNOWN]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help=f"the earlier image: {SOURCE_HELP}, "
                        "or a result saved with `--format json`")  # fmt: skip
    parser.add_argument("new", metavar="NEW", help="the later image, in the same forms")
    parser.add_argument("-f", "--format", dest="output_format", choices=list(DIFF_REPORTERS),
                        default="table")  # fmt: skip
    parser.add_argument("-o", "--output", metavar="FILE", help="write the diff to FILE")
    parser.add_argument(
        "--db", metavar="PATH", help="vulnerability database (default: $DOCKWISE_DB, else "
        "cache); without one, live sources are only inventoried"
    )  # fmt: skip
    parser.add_argument(
        "--fail-on-new", metavar="LEVEL", choices=LEVELS,
        help=f"exit 1 when NEW brings a finding at or above LEVEL ({', '.join(LEVELS)})",
    )  # fmt: skip
    parser.add_argument("--platform", metavar="OS/ARCH[/VARIANT]",
                        help="pick one image of a multi-platform index")  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither use nor fill the cache (known bases too)")  # fmt: skip
    add_registry_arguments(parser.add_argument_group("registry access"))


def run(args: argparse.Namespace) -> int:
    from dockwise.api import diff

    read = {"platform": args.platform, "no_cache": args.no_cache, "quiet": args.quiet,
            **registry_keywords(args)}  # fmt: skip
    change = diff(args.old, args.new, db=args.db, **read)
    write_output(render_diff(change, args.output_format), args.output)
    return _gate(change, args.fail_on_new)


def _gate(change, fail_on_new: str | None) -> int:
    """1 when the new image brings a finding at or above the gate's level, else 0."""
    if fail_on_new is None:
        return 0
    new = change.new_at_or_above(Severity.parse(fail_on_new))
    if not new:
        return 0
    ids = ", ".join(sorted({f.rule_id for f in new}))
    print(f"dockwise: {len(new)} new findings at or above {fail_on_new}: {ids}", file=sys.stderr)
    return 1
