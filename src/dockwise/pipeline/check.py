"""The checks half of the pipeline (`dockwise scan`), one step after the other:
inventory -> coverage -> provenance -> checkers -> suppress -> run profile -> answers. Each
step only reads what the one before it made: the findings are made once, by the checkers,
and everything after (suppression, the run profile, the answers, the policy) reads them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dockwise.answers import answer
from dockwise.checks import Target, build_checkers
from dockwise.checks.suppress import Suppressions
from dockwise.checks.vulns.coverage import with_coverage
from dockwise.model import Finding, ImageInfo, ScanResult
from dockwise.options import Options
from dockwise.pipeline.read import Progress, inventory
from dockwise.provenance import BaseCatalogue, Provenance, lessons, provenance
from dockwise.runprofile.derive import derive
from dockwise.source.registry.cosign import SignatureLookup
from dockwise.source.registry.reference import SCHEME as REGISTRY
from dockwise.vulndb.advisory import AdvisorySource
from dockwise.vulndb.coverage import DatabaseCoverage


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """What `scan` needs beyond the image: where advisories come from, what suppresses."""

    advisories: AdvisorySource
    suppressions: Suppressions = Suppressions()
    today: date | None = None  # for ignore-rule expiry; None means the run's date
    database: DatabaseCoverage | None = None  # what the advisory database holds, per ecosystem


def scan(options: Options, settings: ScanSettings, progress: Progress | None = None) -> ScanResult:
    """Inventory the image (or read the SBOM), run every checker, mark suppressions, and
    answer the five questions from every finding, suppressed ones marked.

    Nothing is filtered out here: `--severity`, `--only-fixed` and hiding suppressed
    findings are display choices made by the caller.
    """
    key = _public_key(options.key)  # a bad --key fails before any download
    today = settings.today or datetime.now(UTC).date()
    result, tree = inventory(options, progress)
    result = with_coverage(result, settings.database)
    prov = _provenance(result, options, key, today)
    findings = _check(Target(result.image, result.inventory, tree), settings.advisories, today)
    checked = _suppress(result, findings, settings.suppressions, today)
    profile = derive(result.image, result.inventory, tree, checked.findings)
    return dataclasses.replace(checked, answers=answer(checked, prov, today, profile=profile))


def _provenance(result: ScanResult, options: Options, key: bytes | None, today: date) -> Provenance:
    """Worked out once per scan; the catalogue of known bases learns from every image."""
    image = result.image
    catalogue = None if options.no_cache else BaseCatalogue.load()
    signatures = _signatures(image, options)
    prov = provenance(image, result.inventory.distro, today, catalogue, signatures, key)
    if catalogue is not None:
        catalogue.learn(*lessons(image, prov, today)).save()
    return prov


# The two below import the registry client only when a key is given or the image is from a
# registry: httpx, and the rich, click and pygments of its command line, are 50 ms of scan.


def _public_key(path: str | None) -> bytes | None:
    if path is None:
        return None
    from dockwise.source.registry.signatures import read_public_key

    return read_public_key(path)


def _signatures(image: ImageInfo, options: Options) -> SignatureLookup | None:
    """Cosign signatures of a registry image; None for any other."""
    if image.scheme != REGISTRY:
        return None
    from dockwise.source.registry.signatures import find_signatures

    return find_signatures(image, options.registry)


def _check(target: Target, advisories: AdvisorySource, today: date) -> list[Finding]:
    """Every checker's findings: the only place findings are made."""
    return [f for checker in build_checkers(advisories, today) for f in checker.check(target)]


def _suppress(
    result: ScanResult, findings: Sequence[Finding], suppressions: Suppressions, today: date
) -> ScanResult:
    """Every finding kept, suppressed ones marked, most severe first; expired ignore rules
    become warnings."""
    marked, warnings = suppressions.apply(findings, today)
    inventory = dataclasses.replace(
        result.inventory, warnings=(*result.inventory.warnings, *warnings)
    )
    ordered = tuple(sorted(marked, key=_finding_order))
    return dataclasses.replace(result, inventory=inventory, findings=ordered)


def _finding_order(finding: Finding) -> tuple:
    """Most severe first, then by id and package, so output is stable run to run."""
    pkg = finding.package
    return (*finding.sort_key, pkg.version if pkg else "", pkg.location.path if pkg else "")
