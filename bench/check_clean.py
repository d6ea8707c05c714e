#!/usr/bin/env python3
"""Run the security checkers on the clean Debian test images and count findings.

Issue 8's "Done means": the clean images must yield no `secret` and no
`suspicious-binary` finding (config findings such as "runs as root" are expected).
Exit 1 when any image has one.

    python bench/check_clean.py --images /work/images/out
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from dockwise.analyze import ANALYZERS
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.checks.base import Target
from dockwise.checks.binaries import SuspiciousBinaryChecker
from dockwise.checks.imageconfig import ImageConfigChecker
from dockwise.checks.secrets import SecretsChecker
from dockwise.options import Options
from dockwise.pipeline import analyze_layers
from dockwise.source import open_source
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
MUST_BE_ZERO = ("secret", "suspicious-binary")


def target_of(path: str) -> Target:
    """The image read the way `dockwise scan` reads it, with the file tree kept."""
    options = Options(source=path, no_cache=True, quiet=True)
    image = open_source(options.source, options.platform, options.registry)
    selector = Selector.build(wanted_globs(CATALOGERS), ANALYZERS)
    tree = FileTree.from_layers(analyze_layers(image, selector, options, None))
    return Target(image.info, catalog(tree, CATALOGERS), tree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default="/work/images/out", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every finding")
    args = parser.parse_args(argv)
    checkers = (SecretsChecker(), ImageConfigChecker(), SuspiciousBinaryChecker())
    failed = False
    print("| image | secret | suspicious-binary | config |\n|---|---|---|---|")
    for name in IMAGES:
        path = args.images / f"{name}.docker.tar"
        if not path.exists():
            print(f"| {name} | (missing) | | |")
            continue
        target = target_of(str(path))
        findings = [f for checker in checkers for f in checker.check(target)]
        counts = Counter(f.kind for f in findings)
        row = [counts[kind] for kind in ("secret", "suspicious-binary", "config")]
        print(f"| {name} | " + " | ".join(map(str, row)) + " |")
        failed |= any(counts[kind] for kind in MUST_BE_ZERO)
        for finding in findings if args.verbose else ():
            where = finding.location.path if finding.location else ""
            print(f"    {finding.rule_id} {finding.severity} {where} {finding.title}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
