"""`dockwise cache info|clean`: what the layer cache holds, and emptying it."""

from __future__ import annotations

import argparse

from dockwise.cache import LayerCache, cache_root

HELP = "show or empty the layer cache"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("info", help="where the cache is and how much it holds")
    actions.add_parser("clean", help="remove every cached layer analysis")


def run(args: argparse.Namespace) -> int:
    root = cache_root()
    cache = LayerCache(root)
    if args.action == "clean":
        removed = cache.clean()
        print(f"removed {removed.entries} cached layers ({_size(removed.bytes)}) from {cache.dir}")
        return 0
    stats = cache.stats()
    print(f"cache directory: {root}")
    print(f"layer analyses:  {stats.entries} ({_size(stats.bytes)}, cap {_size(cache.cap)})")
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
