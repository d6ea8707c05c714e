#!/usr/bin/env python3
"""Benchmark the streaming OVAL parse (issue 21): time and peak memory of
`oracle.parse` on synthetic `com.oracle.elsa-all.xml.bz2` files of growing size.

Each file repeats the shape of tests/assets/vulndb/vendors/oracle's ELSA definitions
(two releases, arch and signature criteria, two packages per release) with unique ids,
bzip2-compressed as Oracle publishes it. Every size is parsed in a fresh interpreter, so
its peak RSS is its own; "import" is that interpreter's RSS before parsing. Flat peak
RSS over sizes is what "streaming with bounded memory" means; Oracle's real file holds
roughly ten thousand definitions.

    python bench/vendor_feeds_bench.py
    python bench/vendor_feeds_bench.py --sizes 2000 20000 60000
"""

from __future__ import annotations

import argparse
import bz2
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEFINITION = """<definition id="oval:com.oracle.elsa:def:{n}" version="501" class="patch">
<metadata><title>ELSA-{n}:  pkg{n} security update (IMPORTANT)</title>
<affected family="unix"><platform>Oracle Linux 8</platform><platform>Oracle Linux 9</platform>
</affected>
<reference source="elsa" ref_id="ELSA-{n}" ref_url="https://linux.oracle.com/errata/ELSA-{n}.html"/>
<reference source="CVE" ref_id="CVE-2024-{n}" ref_url="https://linux.oracle.com/cve/CVE-2024-{n}.html"/>
<description>{text}</description>
<advisory><severity>IMPORTANT</severity><issued date="2024-01-04"/></advisory></metadata>
<criteria operator="AND"><criteria operator="OR">
<criterion test_ref="t{n}1" comment="Oracle Linux arch is x86_64"/>
<criterion test_ref="t{n}2" comment="Oracle Linux arch is aarch64"/></criteria>
<criteria operator="OR">{releases}</criteria></criteria></definition>
"""
RELEASE = """<criteria operator="AND">
<criterion test_ref="t{n}r{r}" comment="Oracle Linux {r} is installed"/>
<criteria operator="OR">{packages}</criteria></criteria>"""
PACKAGE = """<criteria operator="AND">
<criterion test_ref="t{n}{p}" comment="{p}{n} is earlier than 0:1.{n}-1.el{r}"/>
<criterion test_ref="t{n}{p}s" comment="{p}{n} is signed with the Oracle Linux {r} key"/>
</criteria>"""

PARSE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
from dockwise.vulndb.feeds import oracle
from dockwise.vulndb.records import Advisory
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
count = sum(isinstance(r, Advisory) for r in oracle.parse(Path({path!r}), "all.xml.bz2"))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"count": count, "seconds": seconds, "import_kib": before, "peak_kib": peak}}))
"""


def definition(n: int) -> str:
    releases = "".join(
        RELEASE.format(n=n, r=r, packages="".join(PACKAGE.format(n=n, p=p, r=r)
                                                 for p in ("pkg", "lib")))
        for r in (8, 9)
    )  # fmt: skip
    return DEFINITION.format(n=n, text="x" * 1500, releases=releases)


def write_oval(path: Path, size: int) -> int:
    """A bzip2 OVAL file of `size` definitions; its uncompressed byte count."""
    compressor, raw = bz2.BZ2Compressor(9), 0
    chunks = itertools.chain(["<oval_definitions><definitions>"], map(definition, range(size)),
                             ["</definitions></oval_definitions>"])  # fmt: skip
    with path.open("wb") as out:
        for chunk in chunks:  # lazily: this process stays small, and so its children
            data = chunk.encode()
            raw += len(data)
            out.write(compressor.compress(data))
        out.write(compressor.flush())
    return raw


def measure(path: Path) -> dict:
    code = PARSE.format(src=str(ROOT / "src"), path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    print("| definitions | XML MB | bz2 MB | parse s | import RSS MiB | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"elsa-{size}.xml.bz2"
            raw = write_oval(path, size)
            got = measure(path)
            assert got["count"] == size, got
            print(f"| {size} | {raw / 1e6:.0f} | {path.stat().st_size / 1e6:.1f} | "
                  f"{got['seconds']:.1f} | {got['import_kib'] / 1024:.0f} | "
                  f"{got['peak_kib'] / 1024:.0f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
