"""Regenerate the bundled lifecycle snapshot from endoflife.date data and distro-info-data.

    cp /usr/share/distro-info/{debian,ubuntu}.csv tests/assets/lifecycle/distro-info/
    dpkg-query -W -f='${Version}\n' distro-info-data > tests/assets/lifecycle/distro-info/version
    python tools/build_lifecycle.py \
        --endoflife ../shared/corpus/lifecycle/endoflife.json \
        --distro-info tests/assets/lifecycle/distro-info \
        --date 2026-11-28

Writes src/dockwise/lifecycle/data/lifecycle.json (compact, sorted keys, so a refresh
is a reviewable diff). distro-info-data comes from `apt-get install distro-info-data`;
its CSVs are kept in tests/assets so the test suite rebuilds the snapshot from exactly
the inputs that made it, whatever Debian publishes later (CONTRIBUTING's release list).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dockwise.lifecycle.feeds import build_snapshot

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "dockwise" / "lifecycle" / "data" / "lifecycle.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    corpus = json.loads(Path(args.endoflife).read_text("utf-8"))
    csvs = {name: (Path(args.distro_info) / name).read_text("utf-8")
            for name in ("debian.csv", "ubuntu.csv")}  # fmt: skip
    sources = {
        "endoflife.date": corpus.get("source", {}),
        "distro-info-data": {
            "version": _distro_info_version(Path(args.distro_info)),
            "files": sorted(csvs),
        },
    }
    doc = build_snapshot(corpus["products"], csvs, date.fromisoformat(args.date), sources)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n", "utf-8")
    counts = {slug: len(p["cycles"]) for slug, p in doc["products"].items()}
    print(f"{out}: {len(counts)} products, {sum(counts.values())} cycles", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endoflife", required=True, help="endoflife.json (corpus format)")
    parser.add_argument("--distro-info", default="/usr/share/distro-info")
    parser.add_argument("--date", default=date.today().isoformat(), help="snapshot date")
    parser.add_argument("--out", default=str(OUT))
    return parser


def _distro_info_version(directory: Path) -> str:
    """The distro-info-data version read, recorded so a refresh says what it read: a kept
    copy names its version in a `version` file, the installed package asks dpkg."""
    kept = directory / "version"
    if kept.is_file():
        return kept.read_text("utf-8").strip()
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "distro-info-data"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
