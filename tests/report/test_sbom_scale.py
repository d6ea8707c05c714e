"""A 5,000-component inventory in both SBOM formats, checked by the formats' own
libraries: CycloneDX's strict JSON schema validator and spdx-tools' parser and full
validation. Speed is measured in bench/sbom_writers_bench.py, not here."""

from __future__ import annotations

import dataclasses
import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from dockwise.report.cyclonedx import CycloneDxJsonReporter
from dockwise.report.spdx import SpdxJsonReporter
from tests.report.conftest import BASE, _deb

PACKAGES = 5_000
LICENSES = (("GPL-2+",), ("MIT", "BSD-3-clause"), ("GPL-1+ or Artistic", "public-domain"), ())


def many(result):
    packages = tuple(
        _deb(f"pkg{i:05d}", f"1.{i}-1", BASE, licenses=LICENSES[i % 4]) for i in range(PACKAGES)
    )
    inventory = dataclasses.replace(result.inventory, packages=packages)
    return dataclasses.replace(result, inventory=inventory)


def test_cyclonedx_of_5000_components_is_strictly_valid(result):
    out = CycloneDxJsonReporter().render(many(result))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
    doc = json.loads(out)
    assert len(doc["components"]) == PACKAGES + 1  # and the distro
    image = next(d for d in doc["dependencies"] if d["ref"] == "dockwise:image")
    assert sorted(image["dependsOn"]) == sorted(c["bom-ref"] for c in doc["components"])


def test_spdx_of_5000_packages_is_valid(result, tmp_path):
    path = tmp_path / "many.spdx.json"
    path.write_text(SpdxJsonReporter().render(many(result)))
    document = parse_from_file(str(path))
    assert validate_full_spdx_document(document) == []
    assert len(document.packages) == PACKAGES + 2  # and the image and the distro
