"""`dockwise scan SOURCE`: inventory plus known vulnerabilities, suppressions applied."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from dockwise.commands.db import MIRROR_HELP
from dockwise.commands.flags import (
    add_source_arguments,
    source_keywords,
    warn_uncovered,
    write_output,
)
from dockwise.commands.gate import (
    add_policy_arguments,
    finish,
    render_report,
    resolve_policy,
    today,
)
from dockwise.model import Finding, ScanResult, Severity
from dockwise.policy import evaluate
from dockwise.vulndb.status import DEFAULT_MAX_AGE

LEVELS = [str(s) for s in Severity]  # `unknown` too: the unrated band, named


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument(
        "--db", metavar="PATH", help="vulnerability database (default: $DOCKWISE_DB, else cache)"
    )
    parser.add_argument("--mirror", metavar="URL", help=MIRROR_HELP.replace("read", "build from"))
    parser.add_argument(
        "--max-db-age", default=DEFAULT_MAX_AGE, metavar="AGE",
        help="refresh an older database first (e.g. 36h, 2w; default 7d); kept, with a "
        "warning, when offline or when the refresh fails",
    )  # fmt: skip
    parser.add_argument(
        "--only-fixed", action="store_true", help="show only findings that have a fix"
    )
    parser.add_argument(
        "--severity", choices=LEVELS, metavar="LEVEL",
        help=f"minimum shown: {', '.join(LEVELS)}; unknown-severity findings show at every "
        "level, and `unknown` shows only them",
    )  # fmt: skip
    parser.add_argument("--ignore-file", metavar="FILE", help="ignore rules (YAML or .toml)")
    parser.add_argument(
        "--vex", metavar="FILE", action="append", default=[], help="OpenVEX document (repeatable)"
    )
    parser.add_argument(
        "--show-suppressed", action="store_true", help="also show ignored and VEX'd findings"
    )
    parser.add_argument(
        "--store", action="store_true",
        help="also keep the result in the fleet store ($DOCKWISE_STORE, else "
        "$XDG_DATA_HOME/dockwise/fleet.db; see `dockwise fleet`)",
    )  # fmt: skip
    add_policy_arguments(parser.add_argument_group("policy gate (exit 1 when it fails)"))


def run(args: argparse.Namespace) -> int:
    from dockwise.api import scan
    from dockwise.vulndb.status import parse_max_age

    policy = resolve_policy(args.policy, args.fail_on, Path.cwd())  # fail before reading
    max_age = parse_max_age(args.max_db_age, "--max-db-age")
    day = today()
    result = scan(args.source, db=args.db, mirror=args.mirror, max_db_age=max_age,
                  ignore_file=args.ignore_file, vex=args.vex, today=day,
                  **source_keywords(args))  # fmt: skip
    warn_uncovered(result)
    if args.store:  # a flag, not `--store URL`: an optional value would swallow SOURCE
        store_result(result, args.db)
    # the gate sees every finding; --severity, --only-fixed only change what is shown
    verdict = evaluate(result, policy, day) if policy else None
    shown = shown_findings(result, args.severity, args.only_fixed, args.show_suppressed)
    write_output(render_report(shown, args.output_format, verdict), args.output)
    return finish(verdict) if verdict else 0


def store_result(result: ScanResult, db: str | None) -> None:
    """`--store`: the whole result (every finding, whatever is shown) into the fleet."""
    from dockwise.fleet.add import add_result, match_added
    from dockwise.fleet.store import open_fleet
    from dockwise.vulndb.paths import resolve_db_path

    with open_fleet() as fleet:
        added = add_result(fleet, result, result.image.source, "scan")
        match_added(fleet, resolve_db_path(db), [added])


def shown_findings(
    result: ScanResult, severity: str | None, only_fixed: bool, show_suppressed: bool
) -> ScanResult:
    """The result with only the findings the user asked to see (a display choice)."""
    minimum = Severity.parse(severity) if severity else None

    def keep(finding: Finding) -> bool:  # unknown severity is never "below" a level
        return (
            (minimum is None or finding.severity.reaches(minimum))
            and (finding.fixed_version or not only_fixed)
            and (show_suppressed or not finding.suppressed)
        )

    return dataclasses.replace(result, findings=tuple(f for f in result.findings if keep(f)))
