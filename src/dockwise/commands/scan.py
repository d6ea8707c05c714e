"""`dockwise scan SOURCE`: inventory plus known vulnerabilities, suppressions applied."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from dockwise.commands.common import add_source_arguments, progress, source_options, write_output
from dockwise.commands.gate import (
    add_policy_arguments,
    finish,
    render_report,
    resolve_policy,
    today,
)
from dockwise.errors import DockwiseError
from dockwise.model import Finding, ScanResult, ScanWarning, Severity
from dockwise.policy import evaluate
from dockwise.vulndb.advisory import AdvisorySource

LEVELS = [str(s) for s in Severity if s is not Severity.UNKNOWN]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument(
        "--db", metavar="PATH", help="vulnerability database (default: $DOCKWISE_DB, else cache)"
    )
    parser.add_argument(
        "--only-fixed", action="store_true", help="show only findings that have a fix"
    )
    parser.add_argument(
        "--severity", choices=LEVELS, metavar="LEVEL", help=f"minimum shown: {', '.join(LEVELS)}"
    )
    parser.add_argument("--ignore-file", metavar="FILE", help="ignore rules (YAML or .toml)")
    parser.add_argument(
        "--vex", metavar="FILE", action="append", default=[], help="OpenVEX document (repeatable)"
    )
    parser.add_argument(
        "--show-suppressed", action="store_true", help="also show ignored and VEX'd findings"
    )
    add_policy_arguments(parser.add_argument_group("policy gate (exit 1 when it fails)"))


def run(args: argparse.Namespace) -> int:
    from dockwise.checks.suppress import load
    from dockwise.vet import ScanSettings, scan

    options = source_options(args)
    suppressions = load(args.ignore_file, args.vex)  # fail on a bad file before reading
    policy = resolve_policy(args.policy, args.fail_on, Path.cwd())  # likewise
    day = today()
    with open_advisories(args.db) as advisories, progress(options.quiet) as bar:
        result = scan(options, ScanSettings(advisories, suppressions, day), bar)
    result = with_age_warning(result, args.db)
    # the gate sees every finding; --severity, --only-fixed only change what is shown
    verdict = evaluate(result, policy, day) if policy else None
    shown = shown_findings(result, args.severity, args.only_fixed, args.show_suppressed)
    write_output(render_report(shown, options.output_format, verdict), options.output)
    return finish(verdict) if verdict else 0


def open_advisories(db: str | None):
    """The database at `--db`, $DOCKWISE_DB or the default path, as a context manager."""
    from dockwise.vulndb.paths import resolve_db_path
    from dockwise.vulndb.store import VulnDb

    path = resolve_db_path(db)
    if not Path(path).is_file():
        raise DockwiseError(f"no vulnerability database at {path}; run `dockwise db update`")
    source: AdvisorySource = VulnDb(path)
    return source


def with_age_warning(result: ScanResult, db: str | None) -> ScanResult:
    """An old database still answers, but says so (stderr and the report's warnings)."""
    from dockwise.vulndb.paths import resolve_db_path
    from dockwise.vulndb.status import DEFAULT_MAX_AGE, human_age, parse_max_age, read_status

    status = read_status(Path(resolve_db_path(db)))
    if not status.stale(parse_max_age(DEFAULT_MAX_AGE)):
        return result
    message = (
        f"the vulnerability database is {human_age(status.age_seconds)} old "
        f"(built {status.built or 'at an unknown time'}); run `dockwise db update`"
    )
    print(f"dockwise: warning: {message}", file=sys.stderr)
    warnings = (*result.inventory.warnings, ScanWarning(message))
    return dataclasses.replace(
        result, inventory=dataclasses.replace(result.inventory, warnings=warnings)
    )


def shown_findings(
    result: ScanResult, severity: str | None, only_fixed: bool, show_suppressed: bool
) -> ScanResult:
    """The result with only the findings the user asked to see (a display choice)."""
    minimum = Severity.parse(severity) if severity else Severity.UNKNOWN

    def keep(finding: Finding) -> bool:
        return (
            finding.severity >= minimum
            and (finding.fixed_version or not only_fixed)
            and (show_suppressed or not finding.suppressed)
        )

    return dataclasses.replace(result, findings=tuple(f for f in result.findings if keep(f)))
