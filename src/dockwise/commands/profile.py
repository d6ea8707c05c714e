"""`dockwise profile SOURCE`: the least privilege an image can run with, as Kubernetes
YAML, docker/podman flags, a Compose service or JSON (docs/run-as-designed.md)."""

from __future__ import annotations

import argparse

from dockwise.commands.flags import (
    SOURCE_HELP,
    add_registry_arguments,
    registry_keywords,
    write_output,
)
from dockwise.runprofile.render import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    parser.add_argument(
        "-f", "--format", dest="profile_format", choices=FORMATS, default="k8s",
        help="k8s: a Pod with its container and pod securityContext (default); docker: "
        "docker and podman run lines; compose: a Compose service; json: for machines",
    )  # fmt: skip
    parser.add_argument("-o", "--output", metavar="FILE", help="write the profile to FILE")
    parser.add_argument("--platform", metavar="OS/ARCH[/VARIANT]", help="the platform to read")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("--no-cache", action="store_true", help="neither use nor fill the cache")
    add_registry_arguments(parser.add_argument_group("registry access"))


def run(args: argparse.Namespace) -> int:
    from dockwise.api import profile
    from dockwise.runprofile.render import render

    found = profile(args.source, platform=args.platform, no_cache=args.no_cache,
                    quiet=args.quiet, **registry_keywords(args))  # fmt: skip
    write_output(render(found, args.profile_format), args.output)
    return 0
