"""Where the shared corpus lives: beside the repository, never copied into it."""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def pkgdb_cases(kind: str) -> list[Path]:
    """Case directories of one kind, e.g. `pkgdb_cases("dpkg")`."""
    return sorted(p for p in (CORPUS / "pkgdb" / kind).iterdir() if p.is_dir())


def expected(case: Path) -> dict:
    return json.loads((case / "expected.json").read_text())


def fresh() -> str:
    """A database build time of now, in the format `db update` writes."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
