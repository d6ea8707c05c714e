"""Command line: flags -> Options -> pipeline -> reporter -> exit code. Nothing else.

Exit codes: 0 passed, 1 policy failed, 2 error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from dockwise import __version__
from dockwise.errors import DockwiseError
from dockwise.options import Options
from dockwise.report import REPORTERS, render
from dockwise.report.sanitize import clean

EXIT_OK, EXIT_POLICY, EXIT_ERROR = 0, 1, 2

SOURCE_HELP = (
    "image to read: docker-archive:PATH, oci-archive:PATH, oci-dir:PATH, dir:PATH, "
    "or a bare path whose kind is detected"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockwise",
        description="Vet a container image from its own bytes.",
    )
    parser.add_argument("--version", action="version", version=f"dockwise {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sbom = commands.add_parser("sbom", help="list what is inside an image (an SBOM)")
    sbom.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    sbom.add_argument(
        "-f", "--format", dest="output_format", choices=list(REPORTERS), default="table"
    )
    sbom.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    sbom.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="pick one image of a multi-platform index"
    )
    sbom.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = Options(
        source=args.source,
        platform=args.platform,
        output_format=args.output_format,
        output=args.output,
        quiet=args.quiet,
    )
    try:
        return _sbom(options)
    except DockwiseError as exc:
        print(f"dockwise: error: {clean(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dockwise: interrupted", file=sys.stderr)
        return EXIT_ERROR


def _sbom(options: Options) -> int:
    from dockwise.pipeline import sbom

    with _progress(options) as progress:
        result = sbom(options, progress)
    _write(render(result, options.output_format), options.output)
    return EXIT_OK


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DockwiseError(f"{output}: cannot write ({exc.strerror})") from None


def _progress(options: Options):
    """A rich progress bar on a terminal; nothing in CI, pipes or with --quiet."""
    if options.quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return nullcontext(None)
    from dockwise.progress import LayerProgress

    return LayerProgress()


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
