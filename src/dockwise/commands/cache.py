"""`dockwise cache info|clean`: what the cache holds (layer analyses, image inventories
and registry blobs, each under its own cap), and emptying it."""

from __future__ import annotations

import argparse

from dockwise.cache import BlobCache, ImageCache, LayerCache, cache_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("info", help="where the cache is and how much it holds")
    actions.add_parser("clean", help="remove every cached layer analysis, inventory and blob")


def run(args: argparse.Namespace) -> int:
    root = cache_root()
    layers, images, blobs = LayerCache(root), ImageCache(root), BlobCache(root)
    if args.action == "clean":
        gone, gone_images, gone_blobs = layers.clean(), images.clean(), blobs.clean()
        print(
            f"removed {gone.entries} cached layers ({_size(gone.bytes)}), "
            f"{gone_images.entries} inventories ({_size(gone_images.bytes)}) and "
            f"{gone_blobs.entries} blobs ({_size(gone_blobs.bytes)}) from {root}"
        )
        return 0
    print(f"cache directory: {root}")
    caches = (("layer analyses:", layers), ("inventories:", images), ("registry blobs:", blobs))
    for label, cache in caches:
        stats = cache.stats()
        print(f"{label:<16} {stats.entries} ({_size(stats.bytes)}, cap {_size(cache.cap)})")
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
