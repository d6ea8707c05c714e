"""The orchestrating functions: source -> layers -> file tree -> catalogers -> SBOM
(`sbom`), then checkers -> suppression -> findings (`scan`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dockwise import __version__
from dockwise.analyze import ANALYZERS
from dockwise.answers import answer
from dockwise.cache import BlobCache, LayerCache, cache_root
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.checks import Target, build_checkers
from dockwise.checks.suppress import Suppressions
from dockwise.model import Finding, LayerRef, ScanResult
from dockwise.options import Options
from dockwise.provenance import BaseCatalogue, Provenance, lessons, provenance
from dockwise.source import open_source
from dockwise.source.base import Image
from dockwise.source.filetree import FileTree, LayerAnalysis
from dockwise.source.registry_fetch import LayerFetcher
from dockwise.source.selector import Selector
from dockwise.vulndb.advisory import AdvisorySource

Progress = Callable[[LayerRef, int], None]  # called after each layer with the layer count


def sbom(options: Options, progress: Progress | None = None) -> ScanResult:
    """Inventory an image: every layer read once, then merged and catalogued."""
    return _inventory(options, progress)[0]


def _inventory(options: Options, progress: Progress | None) -> tuple[ScanResult, FileTree | None]:
    """The SBOM, and the file tree it came from (None for an SBOM source: no files)."""
    image = open_source(options.source, options.platform, options.registry)
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if image.inventory is not None:  # an SBOM source brings its inventory: no layers to read
        return ScanResult(image.info, image.inventory, __version__, generated), None
    selector = Selector.build(wanted_globs(CATALOGERS), ANALYZERS)
    tree = FileTree.from_layers(analyze_layers(image, selector, options, progress))
    inventory = catalog(tree, CATALOGERS)
    return ScanResult(image.info, inventory, __version__, generated), tree


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What `scan` needs beyond the image: where advisories come from, what suppresses."""

    advisories: AdvisorySource
    suppressions: Suppressions = Suppressions()
    today: date | None = None  # for ignore-rule expiry; None means the run's date


def scan(options: Options, settings: ScanSettings, progress: Progress | None = None) -> ScanResult:
    """Inventory the image (or read the SBOM), run every checker, mark suppressions.

    Nothing is filtered out here: `--severity`, `--only-fixed` and hiding suppressed
    findings are display choices made by the caller.
    """
    result, tree = _inventory(options, progress)
    today = settings.today or datetime.now(UTC).date()
    catalogue = None if options.no_cache else BaseCatalogue.load()
    prov = provenance(result.image, result.inventory.distro, today, catalogue)
    checked = check(result, settings, tree, prov)
    if catalogue is not None:  # the catalogue of known bases grows with every scan
        catalogue.learn(*lessons(result.image, prov, today)).save()
    return checked


def check(
    result: ScanResult,
    settings: ScanSettings,
    tree: FileTree | None = None,
    prov: Provenance | None = None,
) -> ScanResult:
    """Findings for an inventory already taken (with its files, when the image was read),
    and the five questions answered from them; expired ignore rules become warnings."""
    today = settings.today or datetime.now(UTC).date()
    target = Target(result.image, result.inventory, tree)
    checkers = build_checkers(settings.advisories, today)
    findings = [f for checker in checkers for f in checker.check(target)]
    marked, warnings = settings.suppressions.apply(findings, today)
    inventory = dataclasses.replace(
        result.inventory, warnings=(*result.inventory.warnings, *warnings)
    )
    ordered = tuple(sorted(marked, key=_finding_order))
    active = [f for f in ordered if not f.suppressed]
    answers = answer(result.image, inventory, active, today, prov=prov)
    return dataclasses.replace(result, inventory=inventory, findings=ordered, answers=answers)


def _finding_order(finding: Finding) -> tuple:
    """Most severe first, then by id and package, so output is stable run to run."""
    pkg = finding.package
    return (*finding.sort_key, pkg.version if pkg else "", pkg.location.path if pkg else "")


def analyze_layers(
    image: Image, selector: Selector, options: Options, progress: Progress | None
) -> Iterator[LayerAnalysis]:
    """Each layer's analysis, from the layer cache when an earlier run stored it; the
    layers read instead have their registry blobs fetched ahead and kept (registry_fetch)."""
    cache = None if options.no_cache else LayerCache(cache_root())
    blobs = None if options.no_cache else BlobCache(cache_root())
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
