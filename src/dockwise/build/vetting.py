"""The one place `dockwise build` calls the scan pipeline, so moving to the public
Python API (`dockwise.scan`) when it lands touches only this module."""

from __future__ import annotations

from pathlib import Path

from dockwise.model import ScanResult
from dockwise.options import Options
from dockwise.vulndb.advisory import AdvisorySource


def vet(layout: Path, advisories: AdvisorySource) -> ScanResult:
    """Scan the image in the OCI layout at `layout`, as `dockwise scan oci-dir:` would."""
    from dockwise.vet import ScanSettings, scan

    options = Options(source=f"oci-dir:{layout}", quiet=True, no_cache=True)
    return scan(options, ScanSettings(advisories))
