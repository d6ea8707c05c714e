"""Command line: flags -> command -> exit code. Nothing else.

Exit codes: 0 passed, 1 policy failed, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import NoReturn

from dockwise.commands import COMMANDS, load
from dockwise.errors import DockwiseError
from dockwise.report.sanitize import clean
from dockwise.version import __version__

EXIT_OK, EXIT_POLICY, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse that keeps the promise of one error line: the bad value and its choices,
    then where help is, instead of a screenful of usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {clean(message)}\ntry '{self.prog} --help'\n")


class CommandParser(Parser):
    """A (sub)command's parser: a flag it does not know is its error, naming the command,
    not the top level's anonymous 'unrecognized arguments'."""

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Every command is listed; only the one named in argv gets its arguments (and so
    its module imported): each run pays for its own command only."""
    parser = Parser(prog="dockwise", description="Vet a container image from its own bytes.")
    parser.add_argument("--version", action="version", version=f"dockwise {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    chosen = next((word for word in argv if word in COMMANDS), None)
    for name, (_, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            command = load(name)
            command.add_arguments(sub)
            sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(words).parse_args(words)
    try:
        return args.run(args)
    except DockwiseError as exc:
        print(f"dockwise: error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dockwise: interrupted", file=sys.stderr)
        return EXIT_ERROR


GC_THRESHOLD = (100_000, 20, 10)  # young collections every 100,000 allocations, not 700


def main_exit() -> None:
    """Console-script entry point."""
    # a run builds long-lived objects (entries, facts, packages) and few cycles: at the
    # default threshold the young collections walked them again and again (95 of them,
    # 16-19 ms of a 0.75 s cold sbom of debian-min; none now, and memory is unchanged)
    gc.set_threshold(*GC_THRESHOLD)
    code = main()
    # the collector's last pass at exit walks everything the run built (40 ms after an
    # sbom of debian-min) to free what the exit frees anyway; atexit handlers still run
    gc.freeze()
    sys.exit(code)
