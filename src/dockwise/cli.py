"""Command line: flags -> command -> exit code. Nothing else.

Exit codes: 0 passed, 1 policy failed, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dockwise import __version__
from dockwise.commands import COMMANDS
from dockwise.errors import DockwiseError
from dockwise.report.sanitize import clean

EXIT_OK, EXIT_POLICY, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockwise", description="Vet a container image from its own bytes."
    )
    parser.add_argument("--version", action="version", version=f"dockwise {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.HELP, description=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DockwiseError as exc:
        print(f"dockwise: error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dockwise: interrupted", file=sys.stderr)
        return EXIT_ERROR


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
