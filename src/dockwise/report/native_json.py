"""`--format json`: dockwise's own JSON, the codec in `dockwise.model_json` (which also reads
it back), plus the JSON Schema that ships in the package and, from `scan --policy` and
`gate`, the verdict."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from dockwise.model import ScanResult
from dockwise.model_json import SCHEMA_ID, dumps, to_json

__all__ = ["SCHEMA_ID", "NativeJsonReporter", "load_schema"]

SCHEMA_FILE = "dockwise-sbom-1.schema.json"


def load_schema() -> dict[str, Any]:
    """The JSON Schema of this output, as shipped in the package."""
    ref = resources.files("dockwise.report").joinpath("schemas", SCHEMA_FILE)
    return json.loads(ref.read_text(encoding="utf-8"))


class NativeJsonReporter:
    """`--format json`; `include_files=True` adds the package file lists (left out by
    default: `files_count` says how many there are)."""

    name = "json"

    def __init__(self, include_files: bool = False) -> None:
        self.include_files = include_files

    def render(self, result: ScanResult) -> str:
        return dumps(to_json(result, self.include_files))

    def render_verdict(self, result: ScanResult, verdict) -> str:  # noqa: ANN001 - policy.Verdict
        """`render` plus the policy gate's verdict under `verdict` (scan --policy, gate)."""
        doc = to_json(result, self.include_files)
        doc["verdict"] = verdict.to_json()
        return dumps(doc)
