"""Regenerate the bundled lifecycle snapshot from endoflife.date data and distro-info-data.

    python tools/build_lifecycle.py \
        --endoflife ../shared/corpus/lifecycle/endoflife.json \
        --distro-info /usr/share/distro-info \
        --date 2026-11-28

Writes src/dockwise/lifecycle/data/lifecycle.json (compact, sorted keys, so a refresh
is a reviewable diff). distro-info-data comes from `apt-get install distro-info-data`.
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
        "distro-info-data": {"version": _distro_info_version(), "files": sorted(csvs)},
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


def _distro_info_version() -> str:
    """The installed distro-info-data version, recorded so a refresh says what it read."""
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
