"""Regenerate the bundled map of declared license values to SPDX expressions.

    for i in min python node go; do
        dockwise sbom oci-archive:/work/images/debian-$i.oci.tar -f json -o /tmp/$i.json -q
    done
    python tools/build_license_map.py /tmp/{min,python,node,go}.json

Reads the packages' declared licenses from dockwise's JSON SBOMs, adds them to the values
already in src/dockwise/report/data/licenses.json, and writes every value's answer from
license-expression (one value a line, sorted, so a refresh is a reviewable diff). The tests
check each entry against license-expression again, so a map left stale by an upgrade of
license-expression fails them rather than changing the outputs.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from dockwise.report.licenses import computed

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "dockwise" / "report" / "data" / "licenses.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sboms", nargs="*", help="dockwise JSON SBOMs (sbom -f json)")
    args = parser.parse_args(argv)
    values = set(json.loads(OUT.read_text("utf-8"))) if OUT.exists() else set()
    for path in args.sboms:
        document = json.loads(Path(path).read_text("utf-8"))
        values.update(v.strip() for pkg in document["packages"] for v in pkg["licenses"])
    answers = {value: _entry(value) for value in sorted(values) if value}
    lines = (f"{json.dumps(k)}: {json.dumps(v)}" for k, v in answers.items())
    OUT.write_text("{\n" + ",\n".join(lines) + "\n}\n", "utf-8")
    print(f"{OUT}: {len(answers)} values")
    return 0


def _entry(value: str) -> list:
    declared = computed(value)
    return [declared.expression, [list(ref) for ref in declared.refs]]


if __name__ == "__main__":
    raise SystemExit(main())
