"""`dockwise cache info|clean`: what the layer cache holds (layer analyses and registry
blobs, each under its own cap), and emptying it."""

from __future__ import annotations

import argparse

from dockwise.cache import BlobCache, LayerCache, cache_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("info", help="where the cache is and how much it holds")
    actions.add_parser("clean", help="remove every cached layer analysis and blob")


def run(args: argparse.Namespace) -> int:
    root = cache_root()
    layers, blobs = LayerCache(root), BlobCache(root)
    if args.action == "clean":
        gone, gone_blobs = layers.clean(), blobs.clean()
        print(
            f"removed {gone.entries} cached layers ({_size(gone.bytes)}) and "
            f"{gone_blobs.entries} blobs ({_size(gone_blobs.bytes)}) from {root}"
        )
        return 0
    print(f"cache directory: {root}")
    for label, cache in (("layer analyses:", layers), ("registry blobs:", blobs)):
        stats = cache.stats()
        print(f"{label:<16} {stats.entries} ({_size(stats.bytes)}, cap {_size(cache.cap)})")
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
