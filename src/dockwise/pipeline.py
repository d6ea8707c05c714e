"""The one orchestrating function: source -> layers -> file tree -> catalogers -> SBOM."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from dockwise import __version__
from dockwise.analyze import ANALYZERS
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.model import LayerRef, ScanResult
from dockwise.options import Options
from dockwise.source import open_source
from dockwise.source.filetree import FileTree, glob_regex, normalize
from dockwise.source.selector import Selector

Progress = Callable[[LayerRef, int], None]  # called after each layer with the layer count


def sbom(options: Options, progress: Progress | None = None) -> ScanResult:
    """Inventory an image: every layer read once, then merged and catalogued."""
    image = open_source(options.source, options.platform)
    if image.inventory is not None:  # an SBOM source brings its inventory: no layers to read
        generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ScanResult(image.info, image.inventory, __version__, generated)
    selector = Selector.build(wanted_paths(wanted_globs(CATALOGERS)), ANALYZERS)
    analyses = []
    for layer in image.layers:
        analyses.append(layer.analyze(selector))
        if progress:
            progress(layer.ref, len(image.layers))
    tree = FileTree.from_layers(analyses)
    inventory = catalog(tree, CATALOGERS)
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ScanResult(image.info, inventory, __version__, generated)


def wanted_paths(globs: dict[str, int]) -> Callable[[str], int]:
    """path -> size cap (0 when no cataloger wants it); one regex per distinct cap."""
    by_cap: dict[int, list[str]] = {}
    for glob, cap in globs.items():
        by_cap.setdefault(cap, []).append(glob)
    rules: list[tuple[re.Pattern[str], int]] = [
        (glob_regex(patterns), cap) for cap, patterns in sorted(by_cap.items(), reverse=True)
    ]

    def wanted(path: str) -> int:
        if path.startswith(("./", "/")) or "//" in path or "/." in path:
            path = normalize(path) or ""
        for regex, cap in rules:
            if regex.match(path):
                return cap
        return 0

    return wanted
