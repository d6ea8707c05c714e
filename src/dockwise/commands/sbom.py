"""`dockwise sbom SOURCE`: what is inside an image."""

from __future__ import annotations

import argparse

from dockwise.commands.flags import add_source_arguments, progress, source_options, write_output
from dockwise.report import render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser, findings=False)


def run(args: argparse.Namespace) -> int:
    from dockwise.pipeline import sbom

    options = source_options(args)
    with progress(options.quiet) as bar:
        result = sbom(options, bar)
    write_output(render(result, options.output_format), options.output)
    return 0
