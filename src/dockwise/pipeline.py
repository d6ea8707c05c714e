"""The one orchestrating function: source -> layers -> file tree -> catalogers -> SBOM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from dockwise import __version__
from dockwise.analyze import ANALYZERS
from dockwise.cache import LayerCache, cache_root
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.model import LayerRef, ScanResult
from dockwise.options import Options
from dockwise.source import open_source
from dockwise.source.base import Image
from dockwise.source.filetree import FileTree, LayerAnalysis
from dockwise.source.selector import Selector

Progress = Callable[[LayerRef, int], None]  # called after each layer with the layer count


def sbom(options: Options, progress: Progress | None = None) -> ScanResult:
    """Inventory an image: every layer read once, then merged and catalogued."""
    image = open_source(options.source, options.platform, options.registry)
    if image.inventory is not None:  # an SBOM source brings its inventory: no layers to read
        generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ScanResult(image.info, image.inventory, __version__, generated)
    selector = Selector.build(wanted_globs(CATALOGERS), ANALYZERS)
    tree = FileTree.from_layers(analyze_layers(image, selector, options, progress))
    inventory = catalog(tree, CATALOGERS)
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ScanResult(image.info, inventory, __version__, generated)


def analyze_layers(
    image: Image, selector: Selector, options: Options, progress: Progress | None
) -> Iterator[LayerAnalysis]:
    """Each layer's analysis, from the layer cache when an earlier run stored it."""
    cache = None if options.no_cache else LayerCache(cache_root())
    for layer in image.layers:
        key = cache.key(layer.ref, selector) if cache else None
        analysis = cache.load(key, layer.ref) if cache and key else None
        if analysis is None:
            analysis = layer.analyze(selector)
            if cache and key:
                cache.store(key, analysis)
        if progress:
            progress(layer.ref, len(image.layers))
        yield analysis
