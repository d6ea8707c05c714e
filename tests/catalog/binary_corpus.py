"""The shared corpus's compiled-binary cases (inputs left out; facts kept)."""

from __future__ import annotations

import json

from corpus import CORPUS


def binary_cases(kind: str) -> dict[str, dict]:
    """case name (after `<kind>/`) -> the case, from binary-fixture-facts.json."""
    facts = json.loads((CORPUS / "pkgdb" / "binary-fixture-facts.json").read_text())
    return {c["case"].split("/", 1)[1]: c for c in facts["cases"] if c["kind"] == kind}


def names_versions(packages) -> list[tuple[str, str]]:
    return sorted((p["name"], p["version"]) for p in packages)
