#!/usr/bin/env python3
"""SBOM conformance on the real Debian test images, which the test suite does not have
(tests build their images): for each image, both formats are written and

  - validated by the formats' libraries (CycloneDX strict schema, spdx-tools' parser
    and full validation);
  - checked by `ntia-checker -c ntia` and `-c fsct3-min` (the components each finds
    without a supplier, a concluded license or a copyright text are counted);
  - read back by `syft convert`: every deb, pypi, npm and golang package must come back
    with its name, version and purl.

Exit 1 when a document is invalid or a package does not come back.

    python bench/check_sbom.py --images /work/images
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from dockwise.options import Options
from dockwise.pipeline import sbom as run_sbom
from dockwise.report import render
from dockwise.report.properties import canonical_purl

IMAGES = ("debian-min", "debian-python", "debian-node", "debian-go")
FORMATS = {"spdx-json": ".spdx.json", "cyclonedx-json": ".cdx.json"}  # tools go by suffix
ROUND_TRIP_TYPES = {"deb", "pypi", "npm", "golang"}
SCRIPTS = Path(sysconfig.get_path("scripts"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=Path, default=Path("/work/images"))
    args = parser.parse_args(argv)
    failed = False
    print("| image | packages | ntia | fsct3-min missing (supplier / concluded / copyright) "
          "| syft lost (spdx / cdx) | valid |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in IMAGES:
            failed |= check(args.images / f"{name}.docker.tar", Path(tmp), name)
    return 1 if failed else 0


def check(archive: Path, tmp: Path, name: str) -> bool:
    result = run_sbom(Options(source=f"docker-archive:{archive}", quiet=True))
    paths = {}
    for fmt, suffix in FORMATS.items():
        paths[fmt] = tmp / f"{name}{suffix}"
        paths[fmt].write_text(render(result, fmt))
    valid = _valid(paths)
    ntia = _ntia(paths["spdx-json"], "ntia")
    fsct = _ntia(paths["spdx-json"], "fsct3-min")
    missing = " / ".join(
        str(fsct[key]["nonconformantComponents"] if isinstance(fsct[key], dict) else "?")
        for key in ("componentSuppliers", "componentConcludedLicenses",
                    "componentCopyrightTexts")
    )  # fmt: skip
    wanted = {
        (p.name, p.version, p.purl) for p in result.inventory.packages
        if p.type in ROUND_TRIP_TYPES and p.purl
    }  # fmt: skip
    lost = [len(wanted - _syft(paths[fmt], tmp)) for fmt in FORMATS]
    print(f"| {name} | {len(result.inventory.packages)} | {ntia['isConformant']} | "
          f"{missing} | {lost[0]} / {lost[1]} | {valid} |", flush=True)  # fmt: skip
    return not valid or any(lost)


def _valid(paths: dict[str, Path]) -> bool:
    cdx = JsonStrictValidator(SchemaVersion.V1_6).validate_str(paths["cyclonedx-json"].read_text())
    spdx = validate_full_spdx_document(parse_from_file(str(paths["spdx-json"])))
    return cdx is None and spdx == []


def _ntia(path: Path, standard: str) -> dict:
    argv = [SCRIPTS / "ntia-checker", "-c", standard, "-r", "json", str(path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(done.stdout)
    for key in ("componentSuppliers", "componentConcludedLicenses", "componentCopyrightTexts"):
        found = report.get(key)
        if isinstance(found, dict) and isinstance(found.get("nonconformantComponents"), list):
            found["nonconformantComponents"] = len(found["nonconformantComponents"])
    return report


def _syft(path: Path, tmp: Path) -> set[tuple[str, str, str]]:
    """What syft's own JSON holds after reading `path`: (name, version, purl), the purl
    in canonical form (syft writes `@(devel)` where the purl spec encodes `%28devel%29`)."""
    argv = [SCRIPTS / "syft", "convert", str(path), "-o", "syft-json", "-q"]
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false", "HOME": str(tmp)}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, check=True)
    artifacts = json.loads(done.stdout)["artifacts"]
    return {(a["name"], a["version"], canonical_purl(a["purl"])) for a in artifacts}


if __name__ == "__main__":
    sys.exit(main())
