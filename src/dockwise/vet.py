"""The checks half of the pipeline: the inventory, then checkers -> suppression ->
findings -> the five answers (`dockwise scan`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dockwise.answers import answer
from dockwise.checks import Target, build_checkers
from dockwise.checks.suppress import Suppressions
from dockwise.model import Finding, ScanResult
from dockwise.options import Options
from dockwise.pipeline import Progress, inventory
from dockwise.provenance import BaseCatalogue, Provenance, lessons, provenance
from dockwise.source.filetree import FileTree
from dockwise.source.registry.signatures import find_signatures, read_public_key
from dockwise.vulndb.advisory import AdvisorySource


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What `scan` needs beyond the image: where advisories come from, what suppresses."""

    advisories: AdvisorySource
    suppressions: Suppressions = Suppressions()
    today: date | None = None  # for ignore-rule expiry; None means the run's date


def scan(options: Options, settings: ScanSettings, progress: Progress | None = None) -> ScanResult:
    """Inventory the image (or read the SBOM), run every checker, mark suppressions.

    Nothing is filtered out here: `--severity`, `--only-fixed` and hiding suppressed
    findings are display choices made by the caller.
    """
    key = read_public_key(options.key)  # a bad --key fails before any download
    result, tree = inventory(options, progress)
    today = settings.today or datetime.now(UTC).date()
    catalogue = None if options.no_cache else BaseCatalogue.load()
    signatures = find_signatures(result.image, options.registry)  # None unless from a registry
    prov = provenance(result.image, result.inventory.distro, today, catalogue, signatures, key)
    checked = check(result, settings, tree, prov)
    if catalogue is not None:  # the catalogue of known bases grows with every scan
        catalogue.learn(*lessons(result.image, prov, today)).save()
    return checked


def check(
    result: ScanResult, settings: ScanSettings, tree: FileTree | None, prov: Provenance
) -> ScanResult:
    """Findings for an inventory already taken (with its files, when the image was read),
    and the five questions answered from all of them, suppressed ones marked; expired
    ignore rules become warnings."""
    today = settings.today or datetime.now(UTC).date()
    target = Target(result.image, result.inventory, tree)
    checkers = build_checkers(settings.advisories, today)
    findings = [f for checker in checkers for f in checker.check(target)]
    marked, warnings = settings.suppressions.apply(findings, today)
    inventory = dataclasses.replace(
        result.inventory, warnings=(*result.inventory.warnings, *warnings)
    )
    ordered = tuple(sorted(marked, key=_finding_order))
    checked = dataclasses.replace(result, inventory=inventory, findings=ordered)
    return dataclasses.replace(checked, answers=answer(checked, prov, today))


def _finding_order(finding: Finding) -> tuple:
    """Most severe first, then by id and package, so output is stable run to run."""
    pkg = finding.package
    return (*finding.sort_key, pkg.version if pkg else "", pkg.location.path if pkg else "")
