"""`dockwise sbom SOURCE`: what is inside an image."""

from __future__ import annotations

import argparse

from dockwise.commands.common import (
    add_source_arguments,
    progress,
    registry_access,
    write_output,
)
from dockwise.options import Options
from dockwise.report import render

HELP = "list what is inside an image (an SBOM)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from dockwise.pipeline import sbom

    options = Options(
        source=args.source,
        platform=args.platform,
        output_format=args.output_format,
        output=args.output,
        quiet=args.quiet,
        registry=registry_access(args),
    )
    with progress(options.quiet) as bar:
        result = sbom(options, bar)
    write_output(render(result, options.output_format), options.output)
    return 0
