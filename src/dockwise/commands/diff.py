"""`dockwise diff OLD NEW`: what a new release of an image changed, and a release gate.

Each side is any SOURCE `scan` accepts, or a result saved with `--format json`
(recognised by its content, not its name). Live sources are scanned when a vulnerability
database is available and only inventoried (`sbom`) otherwise; the output says which.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from contextlib import nullcontext
from pathlib import Path

from dockwise.commands.common import (
    SOURCE_HELP,
    add_registry_arguments,
    progress,
    registry_access,
    write_output,
)
from dockwise.errors import DockwiseError
from dockwise.model import ScanResult, Severity
from dockwise.options import Options
from dockwise.report.diff_formats import DIFF_REPORTERS, render_diff

LEVELS = [str(s) for s in Severity if s is not Severity.UNKNOWN]
SAVED_SCHEMA = b'"dockwise-sbom/'  # the first key of every saved `--format json` result
SNIFF_BYTES = 4096


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
    from dockwise.diff import diff

    saved = {side: _saved_result(getattr(args, side)) for side in ("old", "new")}
    mode, db = _mode(args.db, live=any(result is None for result in saved.values()))
    with _advisories(db) as advisories:
        old, new = (saved[side] or _read(getattr(args, side), args, advisories)
                    for side in ("old", "new"))  # fmt: skip
    if mode == "sbom":  # a saved scan's findings have nothing to be compared with
        old, new = _without_findings(old), _without_findings(new)
    change = dataclasses.replace(diff(old, new), mode=mode)
    write_output(render_diff(change, args.output_format), args.output)
    return _gate(change, args.fail_on_new)


def _mode(db: str | None, live: bool) -> tuple[str, str | None]:
    """("scan", path) with a database, ("sbom", None) without; ("saved", None) when both
    sides are saved results. An explicit `--db` that does not exist is an error."""
    from dockwise.vulndb.paths import resolve_db_path

    if not live:
        return "saved", None
    path = resolve_db_path(db)
    if Path(path).is_file():
        return "scan", str(path)
    if db is not None:
        raise DockwiseError(f"no vulnerability database at {path}; run `dockwise db update`")
    return "sbom", None


def _advisories(db: str | None):
    if db is None:
        return nullcontext(None)
    from dockwise.commands.scan import open_advisories

    return open_advisories(db)


def _read(source: str, args: argparse.Namespace, advisories) -> ScanResult:
    """Scan (with advisories) or inventory one live source."""
    from dockwise.pipeline import sbom
    from dockwise.pipeline.check import ScanSettings, scan

    options = Options(source=source, platform=args.platform, quiet=args.quiet,
                      no_cache=args.no_cache, registry=registry_access(args))  # fmt: skip
    with progress(options.quiet) as bar:
        if advisories is None:
            return sbom(options, bar)
        return scan(options, ScanSettings(advisories), bar)


def _saved_result(source: str) -> ScanResult | None:
    """The result saved at `source` by `--format json`, or None when it is a SOURCE."""
    path = Path(source)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return None  # let the source opener say what is wrong with it
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{" or SAVED_SCHEMA not in head:
        return None
    from dockwise.model_json import load_result

    return load_result(path)


def _without_findings(result: ScanResult) -> ScanResult:
    return dataclasses.replace(result, findings=())


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
