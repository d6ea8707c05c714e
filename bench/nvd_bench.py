"""NVD feed benchmark: parse time and peak memory for one yearly file of real size.

The shared corpus holds 46 NVD records; a real `nvdcve-2.0-<YEAR>.json.gz` holds tens of
thousands, most of their bytes in CPE `configurations`. This synthesises such a file
(default 30,000 records of about 6 KB each: about 180 MB inflated), then times
`dockwise.vulndb.feeds.nvd.parse` over it beside a floor (inflating the same file and
reading it through without parsing) and reports the peak resident memory of the parse
(in a process of its own), which must stay flat in the file's size (records are read
one at a time).

Usage: python bench/nvd_bench.py [--records N] [--cpes N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def record(number: int, cpes: int) -> dict:
    """A record shaped like NVD's: two descriptions, v3.1 and v2 metrics, CPE matches."""
    cpe = f"cpe:2.3:a:vendor{number}:product:{{}}.0:*:*:*:*:*:*:*"
    matches = [{"vulnerable": True, "criteria": cpe.format(i),
                "matchCriteriaId": f"{number:08X}-0000-0000-0000-{i:012X}"}
               for i in range(cpes)]  # fmt: skip
    return {"cve": {
        "id": f"CVE-2024-{number}", "sourceIdentifier": "cve@mitre.org",
        "published": "2024-01-01T00:00:00.000", "lastModified": "2024-02-01T00:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": "A flaw was found. " * 8},
                         {"lang": "es", "value": "Se encontró un fallo. " * 8}],
        "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
                                       "cvssData": {"version": "3.1", "vectorString": VECTOR,
                                                    "baseScore": 9.8}}],
                    "cvssMetricV2": [{"source": "nvd@nist.gov", "type": "Primary",
                                      "cvssData": {"version": "2.0", "baseScore": 7.5,
                                                   "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}]},
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": "CWE-79"}]}],
        "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]}],
        "references": [{"url": f"https://example.com/advisory/{number}",
                        "source": "cve@mitre.org"}],
    }}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--cpes", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nvdcve-2.0-2024.json.gz"
        body = {"format": "NVD_CVE", "version": "2.0",
                "vulnerabilities": [record(i, args.cpes) for i in range(args.records)]}  # fmt: skip
        raw = json.dumps(body).encode()
        path.write_bytes(gzip.compress(raw, compresslevel=6))
        del body
        print(f"file: {args.records} records, {len(raw) / 1e6:.0f} MB inflated, "
              f"{path.stat().st_size / 1e6:.1f} MB gzip")  # fmt: skip
        del raw
        started = time.perf_counter()
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
        floor = time.perf_counter() - started
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", PARSE, str(path)], check=True,
                               capture_output=True, text=True)  # fmt: skip
        elapsed = time.perf_counter() - started
        parsed, peak = (int(n) for n in child.stdout.split())
        print(f"inflate only (floor): {floor:.2f} s")
        print(f"nvd.parse in a fresh process: {parsed} records in {elapsed:.2f} s "
              f"({elapsed / floor:.1f}x the floor, {parsed / elapsed:,.0f} records/s), "
              f"peak RSS {peak / 1024:.0f} MB")  # fmt: skip


# Parsed in a child process, so that its peak memory is its own, not the synthesis's.
PARSE = """
import sys
from pathlib import Path
from dockwise.vulndb.feeds import nvd
path = Path(sys.argv[1])
count = sum(1 for r in nvd.parse(path, path.name) if not hasattr(r, "reason"))
# VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec
status = Path("/proc/self/status").read_text().splitlines()
print(count, next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


if __name__ == "__main__":
    main()
