"""`dockwise scan SOURCE`: inventory plus known vulnerabilities, suppressions applied."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from dockwise.commands.common import add_source_arguments, progress, source_options, write_output
from dockwise.commands.db import MIRROR_HELP
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
from dockwise.vulndb.status import DEFAULT_MAX_AGE

LEVELS = [str(s) for s in Severity if s is not Severity.UNKNOWN]


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
        "--severity", choices=LEVELS, metavar="LEVEL", help=f"minimum shown: {', '.join(LEVELS)}"
    )
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
    from dockwise.checks.suppress import load
    from dockwise.pipeline.check import ScanSettings, scan
    from dockwise.vulndb.paths import resolve_db_path, resolve_mirror
    from dockwise.vulndb.status import parse_max_age

    options = source_options(args)
    suppressions = load(args.ignore_file, args.vex)  # fail on a bad file before reading
    policy = resolve_policy(args.policy, args.fail_on, Path.cwd())  # likewise
    max_age = parse_max_age(args.max_db_age, "--max-db-age")
    day = today()
    db = Database(resolve_db_path(args.db), resolve_mirror(args.mirror), options.registry.offline)
    age_warning = db.prepare(max_age, options.quiet)
    with open_advisories(db.path) as advisories, progress(options.quiet) as bar:
        result = scan(options, ScanSettings(advisories, suppressions, day), bar)
    result = with_warning(result, age_warning)
    if args.store:  # a flag, not `--store URL`: an optional value would swallow SOURCE
        store_result(result, db.path)
    # the gate sees every finding; --severity, --only-fixed only change what is shown
    verdict = evaluate(result, policy, day) if policy else None
    shown = shown_findings(result, args.severity, args.only_fixed, args.show_suppressed)
    write_output(render_report(shown, options.output_format, verdict), options.output)
    return finish(verdict) if verdict else 0


def store_result(result: ScanResult, db: Path) -> None:
    """`--store`: the whole result (every finding, whatever is shown) into the fleet."""
    from dockwise.fleet.add import add_result, match_added
    from dockwise.fleet.store import open_fleet

    with open_fleet() as fleet:
        match_added(fleet, db, [add_result(fleet, result, result.image.source, "scan")])


def open_advisories(path: Path):
    """The database at `path`, as a context manager."""
    from dockwise.vulndb.store import VulnDb

    source: AdvisorySource = VulnDb(path)
    return source


@dataclasses.dataclass(frozen=True, slots=True)
class Database:
    """The database a scan reads, and whether it may be (re)built from the feeds first:
    a first scan works without `db update`, as Trivy's and Grype's do."""

    path: Path
    mirror: str | None
    offline: bool  # --offline or $DOCKWISE_OFFLINE: only a file:// mirror may be read

    @property
    def buildable(self) -> bool:
        from dockwise.vulndb.fetch import is_local

        return not self.offline or bool(self.mirror and is_local(self.mirror))

    @property
    def feeds(self) -> str:
        return self.mirror or "the public feeds"

    def prepare(self, max_age: float, quiet: bool) -> str | None:
        """Build a missing database, refresh an old one; the warning for an old one kept."""
        from dockwise.commands.db import build_database

        if self.path.is_file():
            return self._refresh(max_age, quiet)
        if not self.buildable:
            raise DockwiseError(
                f"no vulnerability database at {self.path} and --offline forbids downloading "
                "it; install one with `dockwise db import BUNDLE` (a bundle written by "
                "`dockwise db export` on a connected machine)"
            )
        _notice(f"no vulnerability database at {self.path}; building it from {self.feeds} "
                "(first run)")  # fmt: skip
        build_database(self.path, self.mirror, quiet)
        return None

    def _refresh(self, max_age: float, quiet: bool) -> str | None:
        from dockwise.commands.db import build_database
        from dockwise.vulndb.status import human_age, read_status

        status = read_status(self.path)
        if not status.stale(max_age):
            return None
        age = human_age(status.age_seconds)
        if self.buildable:
            _notice(f"the vulnerability database is {age} old; refreshing it from {self.feeds}")
            try:
                build_database(self.path, self.mirror, quiet)
                return None
            except DockwiseError as exc:
                _notice(f"warning: cannot refresh the vulnerability database ({exc})")
        hint = "import a newer bundle" if self.offline else "run `dockwise db update`"
        return (
            f"the vulnerability database is {age} old "
            f"(built {status.built or 'at an unknown time'}); {hint}"
        )


def _notice(line: str) -> None:
    """On stderr even in CI: a scan that downloads or keeps old data must say so."""
    print(f"dockwise: {line}", file=sys.stderr)


def with_warning(result: ScanResult, message: str | None) -> ScanResult:
    """An old database still answers, but says so (stderr and the report's warnings)."""
    if message is None:
        return result
    _notice(f"warning: {message}")
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
