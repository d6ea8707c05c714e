#!/usr/bin/env python3
"""Where one cold `dockwise sbom` spends its time: per phase, main thread and workers.

Runs `dockwise sbom ARGS...` in this process with the phases wrapped (imports, the layer
pass, catalog, render) and prints, per phase, the wall time, the main thread's CPU time
and the whole process's CPU time (every thread), then the CPU time of each worker thread
kind (inflate, the stored bytes' sha256, the ELF files' sha256 pool) and of the main
thread's share of the layer pass that is not parsing (the tar's sha256, taken as each
chunk is handed over, and its waits for inflated data).

Then the bound it implies: the phases before and after the layer pass run on one thread
(imports before the first header, the catalogue after the merged tree), and the layer
pass cannot take less than its CPU time spread over the cores. How close the run comes to
that bound says what is left to overlap; the CPU time itself is what is left to cut.

Ends with a probe of how parallel the machine is right now: two threads of sha256 against
one after the other. On the shared machine that ratio is often 1.0 (one core's worth for
us), and then no overlap of the layer pass can show.

    python bench/cold_phases.py sbom oci-archive:IMAGE.oci.tar -f cyclonedx-json \
        -o /dev/null -q --no-cache

Run it with bytecode kept (unset PYTHONDONTWRITEBYTECODE), as an installed package runs.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time

T0 = time.perf_counter()
marks: list[tuple[str, float, float, float]] = []
workers: dict[str, float] = {}
lock = threading.Lock()
LAYER_PASS = "layer pass: tar walk, analyzers, merge"


def mark(what: str) -> None:
    marks.append((what, time.perf_counter() - T0, time.thread_time(), time.process_time()))


def waited(owner: object, attr: str, name: str) -> None:
    """Add the wall time each call of owner.attr spends off the CPU to workers[name]."""
    original = getattr(owner, attr)

    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            off_cpu = time.perf_counter() - start - (time.thread_time() - cpu)
            workers[name] = workers.get(name, 0.0) + off_cpu

    setattr(owner, attr, run)


def timed(owner: object, attr: str, name: str) -> None:
    """Add the thread CPU time of each call of owner.attr to workers[name]."""
    original = getattr(owner, attr)

    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                workers[name] = workers.get(name, 0.0) + time.thread_time() - start

    setattr(owner, attr, run)


def after(owner: object, attr: str, label: str, before: str = "") -> None:
    """Mark `before` when owner.attr starts (if given) and `label` when it returns."""
    original = getattr(owner, attr)

    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a transparent wrapper
        if before:
            mark(before)
        result = original(*args, **kwargs)
        mark(label)
        return result

    setattr(owner, attr, run)


def parallel_probe() -> float:
    """Two sha256 threads against the same work done serially: ~2.0 on an idle 2-core box."""
    data = bytes(32 << 20)

    def work() -> None:
        for _ in range(3):
            hashlib.sha256(data).digest()

    start = time.perf_counter()
    work()
    work()
    serial = time.perf_counter() - start
    start = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return serial / (time.perf_counter() - start)


def main() -> None:
    import dockwise.analyze.digest as digest
    import dockwise.cli as cli
    import dockwise.source.layer as layer
    from dockwise.source.filetree import FileTree

    mark("imports: dockwise.cli, the source package")
    timed(layer._Prefetch, "_run", "inflate (and stored bytes to their hasher)")
    timed(layer._Hasher, "_run", "stored bytes' sha256")
    timed(digest, "_hash_and_release", "ELF files' sha256 (pool)")
    timed(layer._Prefetch, "read", "main thread: tar sha256 at each hand-over")
    waited(layer._Prefetch, "read", "main thread: waiting for inflated data")
    from_layers = FileTree.from_layers.__func__

    def wrapped(cls, layers):  # noqa: ANN001, ANN202
        mark("imports: pipeline, catalogers, analyzers")
        tree = from_layers(cls, layers)
        mark(LAYER_PASS)
        return tree

    FileTree.from_layers = classmethod(wrapped)
    import dockwise.catalog as catalog
    import dockwise.commands.sbom as sbom_command

    after(catalog, "catalog", "catalog")
    after(sbom_command, "render", "render")
    cli.main(sys.argv[1:])
    mark("write")
    report(os.cpu_count() or 1)
    print(f"parallel probe: two sha256 threads ran {parallel_probe():.2f}x faster than one")


def report(cores: int) -> None:
    """The phases, the workers, and the bound: serial phases + layer-pass CPU / cores."""
    wall = cpu = process = 0.0
    serial = stream_cpu = stream_wall = 0.0
    print(f"{'phase':48} {'wall s':>7} {'main cpu s':>10} {'all cpu s':>9}")
    for what, at, thread_cpu, process_cpu in marks:
        print(f"{what:48} {at - wall:7.3f} {thread_cpu - cpu:10.3f} {process_cpu - process:9.3f}")
        if what == LAYER_PASS:
            stream_wall, stream_cpu = at - wall, process_cpu - process
        else:
            serial += at - wall
        wall, cpu, process = at, thread_cpu, process_cpu
    for name, seconds in workers.items():
        print(f"{'  ' + name:48} {'':7} {seconds:10.3f}")
    print(f"{'total (after interpreter start)':48} {wall:7.3f} {'':10} {time.process_time():9.3f}")
    bound = serial + stream_cpu / cores
    print(f"layer pass: {stream_cpu:.3f} CPU s in {stream_wall:.3f} s = "
          f"{stream_cpu / stream_wall if stream_wall else 0:.2f} of {cores} cores busy")
    print(f"bound: serial phases {serial:.3f} s + layer-pass CPU / {cores} cores "
          f"{stream_cpu / cores:.3f} s = {bound:.3f} s (this run: {wall:.3f} s)")


if __name__ == "__main__":
    main()
