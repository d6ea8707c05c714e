"""cargo-auditable's dependency list, embedded in Rust binaries as `.dep-v0`.

Format: https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md
(zlib-compressed JSON: `{"packages": [{"name", "version", "source", "kind", "root",
"dependencies": [indexes]}]}`); the section is inflated by the ELF analyzer.
"""

from __future__ import annotations

from dockwise.untrusted import load_json

MAX_PACKAGES = 10_000


def parse_dep_v0(raw: bytes) -> list[dict]:
    """The packages, each reduced to the fields the cataloger reports."""
    doc = load_json(raw)
    packages = doc.get("packages") if isinstance(doc, dict) else None
    if not isinstance(packages, list):
        raise ValueError(".dep-v0 has no packages list")
    out = []
    for item in packages[:MAX_PACKAGES]:
        if not isinstance(item, dict) or not item.get("name") or not item.get("version"):
            continue
        out.append(
            {
                "name": str(item["name"]),
                "version": str(item["version"]),
                "source": str(item.get("source", "")),
                "kind": str(item.get("kind", "runtime")),
                "root": bool(item.get("root", False)),
            }
        )
    return out
