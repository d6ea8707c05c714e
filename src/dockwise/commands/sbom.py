"""`dockwise sbom SOURCE`: what is inside an image."""

from __future__ import annotations

import argparse

from dockwise.commands.flags import add_source_arguments, source_keywords, write_output
from dockwise.report import render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser, findings=False)


def run(args: argparse.Namespace) -> int:
    from dockwise.api import sbom

    result = sbom(args.source, **source_keywords(args))
    write_output(render(result, args.output_format), args.output)
    return 0
