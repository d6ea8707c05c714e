"""`dockwise lint [PATH|DIR|-]`: check a Dockerfile before it is built.

The table is our own (a Dockerfile finding is about a line, not a package or layer);
json and sarif go through the REPORTERS, given a ScanResult with an empty inventory, so
lint output has the same shape as every other command's.
"""

from __future__ import annotations

import argparse
import re
import sys

from dockwise.commands.flags import write_output
from dockwise.dockerfile.lint import LintResult, lint_path, normalise_ids, unknown_ids
from dockwise.model import Finding, ImageInfo, Inventory, ScanResult, Severity
from dockwise.report import render
from dockwise.report.sanitize import clean
from dockwise.version import __version__

FORMATS = ("table", "json", "sarif")
EXIT_OK, EXIT_POLICY = 0, 1
# hadolint's --failure-threshold levels on our severity scale ("ignore": any finding);
# "none" never fails, like hadolint's --no-fail
LEVELS = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.LOW,
    "style": Severity.NEGLIGIBLE,
    "ignore": Severity.UNKNOWN,
}
NEVER = "none"
_HADOLINT_ID = re.compile(r"(?:DL|SC)\d{4}", re.I)  # a hadolint or ShellCheck rule


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                        help="the Dockerfile, a directory (its Dockerfile or Containerfile), "
                        "or - for stdin (default: the current directory)")  # fmt: skip
    parser.add_argument("-f", "--format", dest="output_format", choices=FORMATS, default="table")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULE",
                        help="skip rule DW### (or its hadolint id DL####); repeatable")  # fmt: skip
    parser.add_argument("--failure-threshold", "--fail-on", dest="threshold", metavar="LEVEL",
                        choices=[*LEVELS, NEVER, *_severities()], default="error",
                        help="exit 1 when a finding is at least this severe: a hadolint level "
                        "(error, warning, info, style, ignore), one of our severities, or "
                        "none to never fail (default: error = high or critical)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    result = lint_path(args.path)  # first: an unreadable file is the one line on stderr
    for raw in unknown_ids(args.ignore):
        print(f"dockwise: warning: --ignore {clean(raw)}: {_unknown(raw)}", file=sys.stderr)
    ignored = normalise_ids(args.ignore)
    findings = tuple(f for f in result.findings if f.rule_id.split("/")[-1] not in ignored)
    result = LintResult(result.path, findings, result.warnings)
    for warning in result.warnings:
        print(f"dockwise: warning: {clean(str(warning))}", file=sys.stderr)
    write_output(render_lint(result, args.output_format), args.output)
    return _verdict(findings, args.threshold)


def render_lint(result: LintResult, fmt: str) -> str:
    """The report in `fmt`: our table, or a REPORTERS document."""
    if fmt == "table":
        return table(result)
    scan = ScanResult(
        image=ImageInfo(source=result.path, scheme="dockerfile"),
        inventory=Inventory(None, (), result.warnings),
        tool_version=__version__,
        findings=result.findings,
    )
    return render(scan, fmt)


def table(result: LintResult) -> str:
    """`path:line  severity  rule  title`, in line order, then a count by severity."""
    if not result.findings:
        return f"{result.path}: no findings"
    width = max(len(_where(result.path, f)) for f in result.findings)
    rows = [
        f"{_where(result.path, f):<{width}}  {str(f.severity):<10}  "
        f"{f.rule_id.split('/')[-1]:<6}  {clean(f.title)}"
        for f in result.findings
    ]
    severities = sorted((f.severity for f in result.findings), reverse=True)
    counts = {str(s): severities.count(s) for s in dict.fromkeys(severities)}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    return "\n".join([*rows, "", f"{len(result.findings)} findings ({summary})"])


def _where(path: str, finding: Finding) -> str:
    return f"{path}:{dict(finding.evidence).get('line', '0')}"


def _unknown(raw: str) -> str:
    if _HADOLINT_ID.fullmatch(raw.strip()):
        return "a hadolint rule dockwise does not implement"
    return "no such rule (DW### or a mapped hadolint DL####)"


def _verdict(findings: tuple[Finding, ...], threshold: str) -> int:
    if threshold == NEVER:
        return EXIT_OK
    level = LEVELS[threshold] if threshold in LEVELS else Severity.parse(threshold)
    return EXIT_POLICY if any(f.severity >= level for f in findings) else EXIT_OK


def _severities() -> list[str]:
    return [str(s) for s in Severity if s is not Severity.UNKNOWN]
