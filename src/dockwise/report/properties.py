"""The `dockwise:*` facts that standard SBOM formats have no field for.

CycloneDX carries them as properties and SPDX as annotations; one list keeps the two
formats (and the SBOM reader, which reads them back) in step. Names are documented in
docs/json-output.md.
"""

from __future__ import annotations

from collections.abc import Iterator

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
