#!/usr/bin/env python3
"""CPU microseconds per tar entry of the layer walk, beside a floor (issue 20).

Takes the largest layer of a docker-archive (uncompressed layers: no inflating in the
way) and reads it in this process, CPU time of the walk alone:

  floor    the least a Python walk can do: one `struct.unpack_from` per header, the size
           field, the name decoded and put in a dict, the data skipped by arithmetic
  walk     `iter_tar` with the run's selector and the layer's entries as its sink, every
           yielded member through `add_entry`: what `analyze_blob` does, minus hashing
  general  (--general) the same with no sink: every member a TarEntry (the walk before
           plain members were recorded by the reader)

    python bench/tarwalk_bench.py /tmp/mf/many-files.docker.tar [--general] [--repeat N]

The machine is shared: the last line gives the load average; compare rows of one run.
"""

from __future__ import annotations

import argparse
import os
import struct
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from dockwise.analyze import ANALYZERS
from dockwise.catalog import CATALOGERS, wanted_globs
from dockwise.model import LayerRef
from dockwise.source.filetree import LayerAnalysis
from dockwise.source.layer import add_entry
from dockwise.source.selector import Selector
from dockwise.source.tarstream import CHUNK, iter_tar

HEADER = struct.Struct("100s36s20xc100x6s")  # name, mode+uid+gid+size, typeflag, magic


def largest_layer(archive: Path) -> tuple[int, int]:
    """(offset, size) of the largest member of the outer tar: the big layer."""
    with tarfile.open(archive) as outer:
        member = max((m for m in outer if m.isfile()), key=lambda m: m.size)
        return member.offset_data, member.size


def floor(read: Callable[[int], bytes]) -> int:
    paths, seen, buf, pos = {}, object(), b"", 0
    while True:
        while pos > len(buf):  # data that ran past the chunk
            pos -= len(buf)
            buf = read(CHUNK)
        if pos + 512 > len(buf):
            buf, pos = buf[pos:] + read(CHUNK), 0
            if len(buf) < 512:
                return len(paths)
        name, meta, _, _ = HEADER.unpack_from(buf, pos)
        if not name[0]:
            return len(paths)
        size, end = int(meta[24:36].rstrip(b"\0 "), 8), name.find(0)
        paths[(name if end < 0 else name[:end]).decode("utf-8", "surrogateescape")] = seen
        pos += 512 + -(-size // 512) * 512


def walk(read: Callable[[int], bytes], sink: bool) -> int:
    selector = Selector.build(dict(wanted_globs(CATALOGERS)), ANALYZERS)
    analysis = LayerAnalysis(LayerRef(0, ""))
    for entry in iter_tar(read, selector, analysis.entries if sink else None):
        add_entry(analysis, entry, selector)
    return len(analysis.entries)


def timed(archive: Path, name: str, run: Callable[[Callable[[int], bytes]], int],
          repeat: int) -> None:
    """The least CPU time of `repeat` runs (the first pays the lazy glob and rule compiles)."""
    offset, size = largest_layer(archive)
    cpu = float("inf")
    with archive.open("rb") as file:
        file.seek(offset)
        file.read(size)  # into the page cache: CPU cost, not disk speed
        for _ in range(repeat):
            file.seek(offset)
            start = time.process_time()
            entries = run(file.read)
            cpu = min(cpu, time.process_time() - start)
    print(f"{name:8} {entries:>10,} entries  {cpu:6.2f} CPU s  {cpu / entries * 1e6:5.2f} us/entry")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("archive", type=Path, help="a docker-archive (uncompressed layers)")
    p.add_argument("--general", action="store_true", help="also the walk without a sink")
    p.add_argument("--repeat", type=int, default=1, help="runs per row; the least is shown")
    args = p.parse_args()
    timed(args.archive, "floor", floor, args.repeat)
    timed(args.archive, "walk", lambda read: walk(read, sink=True), args.repeat)
    if args.general:
        timed(args.archive, "general", lambda read: walk(read, sink=False), args.repeat)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
