"""Red Hat CSAF VEX benchmark: parse time of the day's archive, beside a floor.

The real archive (`csaf_vex_<date>.tar.zst`) holds one document per CVE Red Hat tracks;
this machine cannot reach Red Hat, so the archive is synthesised from our fixture
tests/assets/vulndb/redhat-vex/2099/cve-2099-1003.json, its product tree widened to
`--streams` release streams with `--components` fixed rpms each (real kernel documents
list hundreds). It times `dockwise.vulndb.feeds.redhat_vex.parse` over the archive and a
floor (inflating it and reading every member through without parsing) in CPU seconds
(the dev machine is shared: wall time says more about the neighbours), and reports
documents per second, so a real archive's cost is its document count divided by that.

Usage: python bench/vex_bench.py [--documents N] [--streams N] [--components N]
"""

from __future__ import annotations

import argparse
import io
import json
import tarfile
import tempfile
import time
from pathlib import Path

import zstandard

from dockwise.vulndb.feeds import redhat_vex

FIXTURE = Path(__file__).resolve().parents[1] / "tests/assets/vulndb/redhat-vex/2099"


def document(number: int, streams: int, components: int) -> dict:
    """The fixture, renumbered, with `streams` x `components` fixed rpms."""
    body = json.loads((FIXTURE / "cve-2099-1003.json").read_text())
    cve = f"CVE-2099-{number}"
    body["document"]["tracking"]["id"] = body["vulnerabilities"][0]["cve"] = cve
    products, versions, relationships, fixed = [], [], [], []
    for s in range(streams):
        pid = f"AppStream-9.{s}.0.Z.MAIN"
        cpe = f"cpe:/a:redhat:enterprise_linux:9::appstream{s}"
        products.append({"category": "product_name", "name": pid, "product": {
            "name": pid, "product_id": pid, "product_identification_helper": {"cpe": cpe}}})
        for c in range(components):
            comp = f"pkg{c}-0:1.{s}-{number}.el9.src"  # unique: no purl is parsed twice
            purl = f"pkg:rpm/redhat/pkg{c}@1.{s}-{number}.el9?arch=src"
            versions.append({"category": "product_version", "name": comp, "product": {
                "name": comp, "product_id": comp, "product_identification_helper": {"purl": purl}}})
            relationships.append({"category": "default_component_of", "full_product_name": {
                "name": f"{comp} as a component of {pid}", "product_id": f"{pid}:{comp}"},
                "product_reference": comp, "relates_to_product_reference": pid})
            fixed.append(f"{pid}:{comp}")
    body["product_tree"] = {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
        {"category": "product_family", "name": "RHEL 9", "branches": products},
        {"category": "architecture", "name": "src", "branches": versions}]}],
        "relationships": relationships}
    body["vulnerabilities"][0]["product_status"] = {"fixed": fixed}
    return body  # fmt: skip


def archive(path: Path, documents: int, streams: int, components: int) -> int:
    """Write the archive; its inflated size."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for n in range(documents):
            data = json.dumps(document(n, streams, components)).encode()
            info = tarfile.TarInfo(f"2099/cve-2099-{n}.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    return raw.tell()


def floor(path: Path) -> None:
    """What any reader pays: inflate the archive and read every member's bytes."""
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
        tar = tarfile.open(fileobj=stream, mode="r|")
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                handle.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--components", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "csaf_vex_2099-02-01.tar.zst"
        inflated = archive(path, args.documents, args.streams, args.components)
        size = path.stat().st_size
        start = time.process_time()
        floor(path)
        read = time.process_time() - start
        start = time.process_time()
        records = sum(1 for _ in redhat_vex.parse(path, path.name))
        parsed = time.process_time() - start
    print(f"{args.documents} documents, {inflated / 1e6:.1f} MB inflated, "
          f"{size / 1e6:.1f} MB compressed")
    print(f"floor (inflate + tar read): {read:.2f} s")
    print(f"parse: {parsed:.2f} s, {records} records, {args.documents / parsed:,.0f} documents/s")


if __name__ == "__main__":
    main()
