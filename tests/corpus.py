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
