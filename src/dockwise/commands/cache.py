"""`dockwise cache info|clean|learn-base`: what the cache holds (layer analyses, image
inventories and registry blobs, each under its own cap, and the catalogue of known base
images), emptying it, and recording a base image the user trusts."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from dockwise.cache.images import ImageCache
from dockwise.cache.keys import SELECTORS
from dockwise.cache.layers import LayerCache
from dockwise.cache.root import cache_root
from dockwise.cache.store import CappedDir
from dockwise.commands.flags import SOURCE_HELP, add_registry_arguments, registry_access
from dockwise.errors import DockwiseError
from dockwise.provenance.catalogue import BaseCatalogue, KnownBase
from dockwise.source import open_source
from dockwise.source.blobcache import BlobCache


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("info", help="where the cache is and how much it holds")
    actions.add_parser(
        "clean", help="remove every cached layer analysis, inventory, blob and known base"
    )
    learn = actions.add_parser(
        "learn-base", help="record an image's layers as a trusted base (high confidence)"
    )
    learn.add_argument("source", metavar="SOURCE", help=SOURCE_HELP)
    learn.add_argument("--name", help="the base's name in reports (default: SOURCE as given)")
    learn.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="pick one image of a multi-platform index"
    )
    add_registry_arguments(learn.add_argument_group("registry access"))


def run(args: argparse.Namespace) -> int:
    if args.action == "learn-base":
        return _learn_base(args)
    root = cache_root()
    layers, images, blobs = LayerCache(root), ImageCache(root), BlobCache(root)
    bases = BaseCatalogue.load()
    if args.action == "clean":
        gone, gone_images, gone_blobs = layers.clean(), images.clean(), blobs.clean()
        CappedDir(root / SELECTORS, 0).clean()  # remembered fingerprints: a few KiB
        print(
            f"removed {gone.entries} cached layers ({_size(gone.bytes)}), "
            f"{gone_images.entries} inventories ({_size(gone_images.bytes)}), "
            f"{gone_blobs.entries} blobs ({_size(gone_blobs.bytes)}) and "
            f"{bases.clear()} known bases from {root}"
        )
        return 0
    print(f"cache directory: {root}")
    caches = (("layer analyses:", layers), ("inventories:", images), ("registry blobs:", blobs))
    for label, cache in caches:
        stats = cache.stats()
        print(f"{label:<16} {stats.entries} ({_size(stats.bytes)}, cap {_size(cache.cap)})")
    trusted = sum(entry.trusted for entry in bases.entries)
    print(f"{'known bases:':<16} {len(bases.entries)} ({trusted} trusted, "
          f"{len(bases.entries) - trusted} learned from scans) in {bases.path.name}")  # fmt: skip
    return 0


def _learn_base(args: argparse.Namespace) -> int:
    """Only the image's layer chain is needed: no layer is analysed."""
    image = open_source(args.source, args.platform, registry_access(args)).info
    chain = tuple(layer.diff_id for layer in image.layers)
    if not chain or not all(chain):
        raise DockwiseError(f"{args.source}: no layer digests to recognise a base by")
    name = args.name or args.source
    today = datetime.now(UTC).date().isoformat()
    known = KnownBase(name, chain, image.manifest_digest, args.source, today, trusted=True)
    catalogue = BaseCatalogue.load().learn(known)
    catalogue.save()
    print(f"trusted base {name}: {len(chain)} layers, recorded in {catalogue.path}")
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
