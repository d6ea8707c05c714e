"""The `dockwise:*` facts that standard SBOM formats have no field for, and what both SBOM
writers share: the purl spelling and the JSON layout.

CycloneDX carries them as properties and SPDX as annotations; one list keeps the two
formats (and the SBOM reader, which reads them back) in step. Names are documented in
docs/json-output.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache

from packageurl import PackageURL

from dockwise.model import Package


def package_properties(pkg: Package) -> Iterator[tuple[str, str]]:
    """Layer, location, cataloger and package facts, empty values included."""
    layer = pkg.location.layer
    if layer is not None:
        yield "dockwise:layer:index", str(layer.index)
        yield "dockwise:layer:diff_id", layer.diff_id
    yield "dockwise:location:path", pkg.location.path
    yield "dockwise:found-by", pkg.found_by
    yield "dockwise:package:type", pkg.type
    yield "dockwise:package:arch", pkg.arch
    yield "dockwise:package:source-name", pkg.source_name
    yield "dockwise:package:source-version", pkg.source_version
    yield "dockwise:package:owned-by", pkg.owned_by
    yield "dockwise:package:found-as", pkg.found_as


@lru_cache(maxsize=1024)  # Debian purls repeat their qualifiers; parsing is the cost
def canonical_purl(value: str) -> str | None:
    """The purl in canonical form, as both SBOM formats write it; one that does not
    parse is left out (None), not the package or the whole SBOM."""
    try:
        return PackageURL.from_string(value).to_string() or None if value else None
    except ValueError:
        return None


def json_lines(document: dict) -> str:
    """`document` as JSON with each top-level field, and each item of a top-level list,
    on a line of its own.

    `json.dumps(indent=...)` runs Python's pure-Python encoder, about half of the time
    of a 5,000-component SBOM; each line here goes through the C encoder instead, and
    the file still diffs line by line (one component, package or relationship a line).
    """
    fields = []
    for key, value in document.items():
        name = json.dumps(key)
        if isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(item) for item in value)
            fields.append(f"  {name}: [\n{items}\n  ]")
        else:
            fields.append(f"  {name}: {json.dumps(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"
