"""The one place `dockwise build` calls the scan pipeline, so moving to the public
Python API (`dockwise.scan`) when it lands touches only this module."""

from __future__ import annotations

from dockwise.model import ScanResult
from dockwise.options import Options
from dockwise.vulndb.advisory import AdvisorySource


def vet(source: str, advisories: AdvisorySource, *, no_cache: bool = True) -> ScanResult:
    """Scan the image `source` (a SOURCE as `dockwise scan` takes it)."""
    from dockwise.pipeline.check import ScanSettings, scan

    options = Options(source=source, quiet=True, no_cache=no_cache)
    return scan(options, ScanSettings(advisories))
