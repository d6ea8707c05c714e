"""The `database` and `coverage` members of dockwise's JSON, both ways: written by the
native reporter, read back by `load` so `gate` judges coverage on a saved result exactly
as `scan` does (docs/coverage.md)."""

from __future__ import annotations

from typing import Any

from dockwise.model import CoverageGroup, DatabaseInfo, FeedState

Json = dict[str, Any]


def database_json(info: DatabaseInfo | None) -> Json | None:
    if info is None:
        return None
    return {
        "path": info.path,
        "schema": info.schema,
        "built": info.built,
        "partial": info.partial,
        "feeds": [
            {"name": f.name, "status": f.status, "records": f.records, "files": f.files}
            for f in info.feeds
        ],
    }


def coverage_json(groups: tuple[CoverageGroup, ...]) -> list[Json]:
    return [
        {
            "type": g.type,
            "label": g.label,
            "state": g.state,
            "packages": g.packages,
            "owned": g.owned,
            "ecosystems": list(g.ecosystems),
            "advisories": g.advisories,
            "reason": g.reason,
        }
        for g in groups
    ]


def database_from_json(raw: Json | None) -> DatabaseInfo | None:
    if raw is None:
        return None
    feeds = tuple(
        FeedState(f["name"], f["status"], f.get("records", 0), f.get("files", 0))
        for f in raw.get("feeds", [])
    )
    return DatabaseInfo(raw["path"], raw.get("schema", ""), raw.get("built", ""),
                        bool(raw.get("partial", False)), feeds)  # fmt: skip


def coverage_from_json(raw: list[Json] | None) -> tuple[CoverageGroup, ...]:
    """Absent in results saved before coverage was recorded: then there is none to judge."""
    return tuple(
        CoverageGroup(
            type=g["type"],
            label=g["label"],
            state=g["state"],
            packages=g["packages"],
            owned=g.get("owned", 0),
            ecosystems=tuple(g.get("ecosystems", [])),
            advisories=g.get("advisories", 0),
            reason=g.get("reason", ""),
        )
        for g in raw or []
    )
