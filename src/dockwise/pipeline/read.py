"""Reading an image: open -> layers (each read once, or from the layer cache) -> file tree
-> catalogers -> the inventory (the SBOM). `sbom` stops here; `check.scan` goes on.

What reads layers (the layer cache, the fetcher, the file tree, the selector) is imported
where a layer is read: a re-scan answered by the inventory cache needs none of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dockwise.cache.images import ImageCache
from dockwise.cache.keys import remembered_fingerprint
from dockwise.cache.root import cache_root
from dockwise.model import ImageInfo, LayerRef, ScanResult
from dockwise.options import Options
from dockwise.source import open_source
from dockwise.source.base import Image
from dockwise.version import __version__

if TYPE_CHECKING:
    from dockwise.source.filetree import FileTree, LayerAnalysis
    from dockwise.source.selector import Selector

Progress = Callable[[LayerRef, int], None]  # called after each layer with the layer count


def sbom(options: Options, progress: Progress | None = None) -> ScanResult:
    """Inventory an image: every layer read once, then merged and catalogued.

    An unchanged image scanned before is answered from the inventory cache without
    touching its layers (the file tree is only needed by `scan`'s checkers). Only the
    analyzers the inventory reads run (`inventory=True` in dockwise.analyze's registry):
    secrets, indicators and run configuration are `scan`'s, so its layer-cache entries
    are its own.
    """
    image = open_source(options.source, options.platform, options.registry)
    cache = None if options.no_cache or image.inventory is not None else ImageCache(cache_root())
    key = _image_key(image, options) if cache else None
    cached = cache.load_result(key) if cache and key else None
    if cached is not None:  # same config and layers: only how it was named may differ
        info = _measured(image.info, cached.image.layers)
        return dataclasses.replace(cached, image=info, tool_version=__version__, generated=_now())
    result = inventory(options, progress, image, checks=False)[0]
    if cache and key:
        cache.store_result(key, result)
    return result


def inventory(
    options: Options, progress: Progress | None, image: Image | None = None, *,
    checks: bool = True,
) -> tuple[ScanResult, FileTree | None]:
    """The SBOM, and the file tree it came from (None for an SBOM source: no files), with
    the facts of the checks' analyzers too unless `checks` is False."""
    if image is None:
        image = open_source(options.source, options.platform, options.registry)
    if image.inventory is not None:  # an SBOM source brings its inventory: no layers to read
        return ScanResult(image.info, image.inventory, __version__, _now()), None
    from dockwise.catalog import CATALOGERS, catalog  # not needed by a warm re-scan
    from dockwise.source.filetree import FileTree

    selector = _selector(options, checks)
    tree = FileTree.from_layers(analyze_layers(image, selector, options, progress))
    inventory = catalog(tree, CATALOGERS)
    return ScanResult(_measured(image.info, tree.layers), inventory, __version__, _now()), tree


def _measured(info: ImageInfo, read: Sequence[LayerRef]) -> ImageInfo:
    """The source's layers with the tar sizes reading them measured. Only that size is
    taken: a cached inventory may come from the same image stored in another format, whose
    blobs have other digests and stored sizes."""
    sizes = {layer.index: layer.uncompressed_size for layer in read}
    layers = tuple(
        dataclasses.replace(layer, uncompressed_size=sizes.get(layer.index, 0))
        for layer in info.layers
    )
    return dataclasses.replace(info, layers=layers)


def _selector(options: Options, checks: bool) -> Selector:
    # imported here: catalogers and analyzers are a third of a warm re-scan, which needs
    # only the selector's fingerprint (`_Remembered`)
    from dockwise.catalog import CATALOGERS, wanted_globs
    from dockwise.source.selector import Selector

    return Selector.build(wanted_globs(CATALOGERS), _analyzers(options, checks))


@dataclasses.dataclass(frozen=True, slots=True)
class _Remembered:
    """Stands for the run's selector where only its fingerprint is needed (the image
    cache key): the fingerprint an earlier run of the same code stored, else computed."""

    options: Options
    checks: bool

    def fingerprint(self) -> list:
        variant = self.options.secrets_max_size if self.checks else "inventory"
        return remembered_fingerprint(cache_root(), variant,
                                      lambda: _selector(self.options, self.checks).fingerprint())


def _analyzers(options: Options, checks: bool) -> tuple:
    """The registry (only the inventory's analyzers unless `checks`), with the run's own
    size cap on the secrets analyzer (the cap is in the selector's fingerprint, so a
    layer read with another cap is read again)."""
    from dockwise.analyze import analyzers

    found = analyzers(checks)
    if not checks or options.secrets_max_size is None:
        return found
    from dockwise.analyze.secrets import SecretsAnalyzer

    mine = SecretsAnalyzer(options.secrets_max_size)
    return tuple(mine if a.name == mine.name else a for a in found)


def _image_key(image: Image, options: Options) -> str | None:
    """Config digest plus each layer's digest, under what decides `sbom`'s analyses."""
    layers = [layer.ref for layer in image.layers]
    return ImageCache.key(image.info.config_digest, layers, _Remembered(options, checks=False))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def analyze_layers(
    image: Image, selector: Selector, options: Options, progress: Progress | None
) -> Iterator[LayerAnalysis]:
    """Each layer's analysis, from the layer cache when an earlier run stored it; the
    layers read instead have their registry blobs fetched ahead and kept
    (source/registry/fetch.py)."""
    from dockwise.cache.layers import LayerCache
    from dockwise.source.blobcache import BlobCache
    from dockwise.source.registry.fetch import LayerFetcher

    layers_root = Path(options.layer_cache) if options.layer_cache else cache_root()
    cache = None if options.no_cache else LayerCache(layers_root)
    blobs = None if options.no_cache else BlobCache(cache_root())
    if blobs is not None and not blobs.writable():
        blobs = None  # downloads go to scratch files, as with --no-cache
    keys = [cache.key(layer.ref, selector) if cache else None for layer in image.layers]
    misses = [i for i, key in enumerate(keys) if not (cache and key and cache.has(key))]
    with LayerFetcher(image.layers, misses, blobs) as fetcher:
        for index, (layer, key) in enumerate(zip(image.layers, keys, strict=True)):
            analysis = cache.load(key, layer.ref) if cache and key else None
            if analysis is None:
                analysis = fetcher.analyze(index, selector)
                if cache and key:
                    cache.store(key, analysis)
            if progress:
                progress(layer.ref, len(image.layers))
            yield analysis
