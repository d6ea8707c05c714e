"""Flags and plumbing that several subcommands share."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from dockwise.errors import DockwiseError
from dockwise.report import REPORTERS

SOURCE_HELP = (
    "image to read: docker-archive:PATH, oci-archive:PATH, oci-dir:PATH, dir:PATH, "
    "or a bare path whose kind is detected"
)


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """SOURCE, --platform, --format, --output, --quiet."""
    parser.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    parser.add_argument(
        "-f", "--format", dest="output_format", choices=list(REPORTERS), default="table"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="pick one image of a multi-platform index"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def write_output(text: str, output: str | None) -> None:
    """To stdout, or to FILE; an unwritable FILE is a one-line error."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DockwiseError(f"{output}: cannot write ({exc.strerror})") from None


def progress(quiet: bool) -> AbstractContextManager:
    """A rich progress bar on a terminal; nothing in CI, pipes or with --quiet."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return nullcontext(None)
    from dockwise.progress import LayerProgress

    return LayerProgress()
