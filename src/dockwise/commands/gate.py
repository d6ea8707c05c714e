"""`dockwise gate RESULT.json`: apply the policy to a result saved with `--format json`.

Scan once, gate (and render SARIF, JUnit, Markdown...) as often as needed: the verdict
is the same as `scan --policy` gives, because `evaluate` only reads the result. The
policy flags and the verdict plumbing shared with `scan` live here too.

Exit codes: 0 passed, 1 policy failed, 2 error (cli.EXIT_OK / EXIT_POLICY / EXIT_ERROR).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from dockwise.commands.flags import write_output
from dockwise.model import ScanResult, Severity
from dockwise.policy import (
    Policy,
    PolicyError,
    Verdict,
    describe,
    evaluate,
    find_policy,
    load_policy,
    with_fail_on,
)
from dockwise.report import REPORTERS, reporter
from dockwise.report.sanitize import clean

LEVELS = [str(s) for s in Severity if s is not Severity.UNKNOWN]
PASSED, FAILED = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("result", metavar="RESULT", help="a result saved with --format json")
    add_policy_arguments(parser)
    parser.add_argument("-f", "--format", dest="output_format", choices=list(REPORTERS),
                        help="also write the result in this format, verdict included")  # fmt: skip
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")


def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    """--policy FILE and --fail-on LEVEL, for every command that gates."""
    parser.add_argument(
        "--policy", metavar="FILE",
        help="policy file (default: ./dockwise.toml, else [tool.dockwise] in ./pyproject.toml)",
    )  # fmt: skip
    parser.add_argument(
        "--fail-on", metavar="LEVEL", choices=LEVELS,
        help="fail on any finding of this severity or higher (every kind, unless the "
        "policy's severity rule narrows the kinds)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from dockwise.model_json import load_result

    policy = resolve_policy(args.policy, args.fail_on, Path.cwd())
    if policy is None:
        raise PolicyError("no policy: give --policy FILE or --fail-on LEVEL, or add dockwise.toml")
    result = load_result(args.result)
    verdict = evaluate(result, policy, today())
    if args.output_format:
        write_output(render_report(result, args.output_format, verdict), args.output)
    return finish(verdict)


def resolve_policy(path: str | None, fail_on: str | None, directory: Path) -> Policy | None:
    """`--policy`, else the policy file found in `directory`; `--fail-on` on top.
    None when there is nothing to gate on."""
    found = Path(path) if path else find_policy(directory)
    policy = load_policy(found) if found else None
    return with_fail_on(policy, fail_on) if fail_on else policy


def today() -> date:
    """The gate's date (ignore-entry expiry, image age): the UTC date, as `scan` uses."""
    return datetime.now(UTC).date()


def render_report(result: ScanResult, fmt: str, verdict: Verdict | None) -> str:
    """`result` as `fmt`; formats that can carry the verdict (`render_verdict`) do."""
    chosen = reporter(fmt)
    with_verdict = getattr(chosen, "render_verdict", None)
    if verdict is not None and with_verdict is not None:
        return with_verdict(result, verdict)
    return chosen.render(result)


def finish(verdict: Verdict) -> int:
    """Print the verdict on stderr (escaped: names come from the image); the exit code."""
    text = "".join(clean(line) + "\n" for line in describe(verdict).splitlines())
    sys.stderr.write(text)
    return PASSED if verdict.passed else FAILED
