#!/usr/bin/env python3
"""Where one cold `dockwise sbom` spends its time: per phase, main thread and workers.

Runs `dockwise sbom ARGS...` in this process with the phases wrapped (imports, the layer
pass, catalog, render) and prints, per phase, the wall time and the main thread's CPU
time, then the CPU time of each worker thread kind (inflate + stored sha256, tar sha256,
the ELF files' sha256 pool). Ends with a probe of how parallel the machine is right now:
two threads of sha256 against one after the other. On the shared machine that ratio is
often 1.0 (one core's worth for us), and then no overlap of the layer pass can show.

    python bench/cold_phases.py sbom oci-archive:IMAGE.oci.tar -f cyclonedx-json \
        -o /dev/null -q --no-cache

Run it with bytecode kept (unset PYTHONDONTWRITEBYTECODE), as an installed package runs.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time

T0 = time.perf_counter()
marks: list[tuple[str, float, float]] = []
workers: dict[str, float] = {}
lock = threading.Lock()


def mark(what: str) -> None:
    marks.append((what, time.perf_counter() - T0, time.thread_time()))


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
    timed(layer._Prefetch, "_run", "inflate + stored sha256")
    timed(layer._Hasher, "_run", "tar sha256")
    timed(digest, "_hash_and_release", "ELF files' sha256 (pool)")
    from_layers = FileTree.from_layers.__func__

    def wrapped(cls, layers):  # noqa: ANN001, ANN202
        mark("imports: pipeline, catalogers, analyzers")
        tree = from_layers(cls, layers)
        mark("layer pass: tar walk, analyzers, merge")
        return tree

    FileTree.from_layers = classmethod(wrapped)
    import dockwise.catalog as catalog
    import dockwise.commands.sbom as sbom_command

    after(catalog, "catalog", "catalog")
    after(sbom_command, "render", "render")
    cli.main(sys.argv[1:])
    mark("write")
    wall, cpu = 0.0, 0.0
    print(f"{'phase':44} {'wall s':>7} {'main cpu s':>10}")
    for what, at, thread_cpu in marks:
        print(f"{what:44} {at - wall:7.3f} {thread_cpu - cpu:10.3f}")
        wall, cpu = at, thread_cpu
    for name, seconds in workers.items():
        print(f"{'worker: ' + name:44} {'':7} {seconds:10.3f}")
    print(f"{'total (after interpreter start)':44} {wall:7.3f} {time.process_time():10.3f}")
    print(f"parallel probe: two sha256 threads ran {parallel_probe():.2f}x faster than one")


if __name__ == "__main__":
    main()
