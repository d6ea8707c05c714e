"""`--format cyclonedx-json`: CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/).

The only module that imports cyclonedx-python-lib, so the library's model stays at the
output edge. The image is `metadata.component` (type container), the distro an
operating-system component and every package a library component. What CycloneDX has no
field for (layer, location, run config) goes into `dockwise:*` properties, documented in
docs/json-output.md. Serial number and timestamp come from the result, so the same result
always gives the same document.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.model.dependency import Dependable, Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.lifecycle import LifecyclePhase, PredefinedLifecycle
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from dockwise.checks.vulns.severity import distro_rating
from dockwise.errors import ReportError
from dockwise.model import Cvss, Distro, Finding, ImageInfo, Package, ScanResult, Severity
from dockwise.report.licenses import Declared, combined, declared
from dockwise.report.properties import package_properties
from dockwise.report.supplier import (
    distro_supplier,
    image_supplier,
    name_email,
    package_suppliers,
)
from dockwise.version import __version__

IMAGE_REF = "dockwise:image"
# uuid5 namespace for serial numbers: uuid5(NAMESPACE_URL, "https://github.com/dockwise").
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dockwise")
_CDX_SEVERITY = {
    Severity.UNKNOWN: "unknown",
    Severity.NEGLIGIBLE: "info",
    Severity.LOW: "low",
    Severity.MEDIUM: "medium",
    Severity.HIGH: "high",
    Severity.CRITICAL: "critical",
}
_CHOSEN = "the rating dockwise judged by"
_CVSS_METHOD = {
    "2.0": VulnerabilityScoreSource.CVSS_V2,
    "3.0": VulnerabilityScoreSource.CVSS_V3,
    "3.1": VulnerabilityScoreSource.CVSS_V3_1,
    "4.0": VulnerabilityScoreSource.CVSS_V4,
}


class CycloneDxJsonReporter:
    """`--format cyclonedx-json`: for tools that consume standard SBOMs."""

    name = "cyclonedx-json"

    def render(self, result: ScanResult) -> str:
        bom = build_bom(result)
        try:
            return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"
        except Exception as e:  # the library raises assorted types for an invalid model
            raise ReportError(f"cyclonedx: cannot serialise the SBOM: {e}") from e


def build_bom(result: ScanResult) -> Bom:
    """The cyclonedx-python-lib model of `result`, with the image depending on the rest."""
    image = _image_component(result.image)
    inventory = result.inventory
    refs = list(_with_refs(inventory.packages))
    suppliers = package_suppliers(inventory.packages)
    components = [
        _package_component(p, ref, s) for (p, ref), s in zip(refs, suppliers, strict=True)
    ]
    if inventory.distro is not None:
        components.insert(0, _distro_component(inventory.distro))
    bom = Bom(
        serial_number=serial_number(result),
        metadata=BomMetaData(
            timestamp=_timestamp(result.generated),
            tools=ToolRepository(components=[_tool(result.tool_version)]),
            component=image,
            # CISA's SBOM type `analyzed`: read from the built image's bytes
            lifecycles=[PredefinedLifecycle(LifecyclePhase.POST_BUILD)],
        ),
        components=components,
        vulnerabilities=_vulnerabilities(result.findings, dict(reversed(refs))),
    )
    bom.register_dependency = _DependencyIndex(bom).register  # type: ignore[method-assign]
    bom.register_dependency(image, components)
    return bom


class _DependencyIndex:
    """`Bom.register_dependency` with a dict lookup instead of a scan of every dependency.

    The library finds a target's `Dependency` with a linear `filter` over the whole graph,
    and `Bom.validate()`, which every serialisation runs, calls it once per component:
    quadratic (20,000 packages took minutes). Set on the instance rather than in a
    subclass because py-serializable finds a class's fields by its qualified name.
    Same semantics: the first dependency (in the set's order) whose ref equals the target's.
    """

    def __init__(self, bom: Bom) -> None:
        self._bom = bom
        self._by_ref: dict[BomRef, Dependency] = {}
        self._indexed: object = None  # the dependency set the index was built from
        self._count = -1

    def register(self, target: Dependable, depends_on: Iterable[Dependable] | None = None) -> None:
        depends_on = list(depends_on or ())
        deps = self._bom._dependencies
        if deps is not self._indexed or len(deps) != self._count:
            self._by_ref = {}
            for dep in deps:
                self._by_ref.setdefault(dep.ref, dep)
            self._indexed = deps
        known = self._by_ref.get(target.bom_ref)
        if known is None:
            children = [Dependency(ref=d.bom_ref) for d in depends_on]
            known = Dependency(ref=target.bom_ref, dependencies=children)
            deps.add(known)
            self._by_ref[target.bom_ref] = known
        elif depends_on:
            known.dependencies.update(Dependency(ref=d.bom_ref) for d in depends_on)
        self._count = len(deps)
        for dependent in depends_on:
            self.register(dependent)


def _vulnerabilities(findings: Iterable[Finding], refs: dict[Package, str]) -> list[Vulnerability]:
    """One CycloneDX vulnerability per finding that names a package in the SBOM.

    `refs` maps each package to the bom-ref of its first component. Suppressed findings
    carry an `analysis` (not_affected, or resolved for a VEX `fixed`), so a consumer sees
    both the finding and why it does not apply.
    """
    out = []
    for index, finding in enumerate(findings):
        if finding.kind != "vulnerability" or finding.package not in refs:
            continue
        out.append(_vulnerability(finding, refs[finding.package], index))
    return out


def _vulnerability(finding: Finding, ref: str, index: int) -> Vulnerability:
    evidence = dict(finding.evidence)  # the first value of each key: enough for the source
    return Vulnerability(
        bom_ref=f"vuln:{finding.rule_id}:{index}",
        id=finding.rule_id,
        source=VulnerabilitySource(name=evidence.get("feed") or None),
        references=[
            VulnerabilityReference(id=alias, source=VulnerabilitySource(name=_id_source(alias)))
            for alias in finding.aliases
        ],
        ratings=_ratings(finding),
        description=finding.title or None,
        recommendation=_recommendation(finding),
        analysis=_analysis(finding),
        affects=[BomTarget(ref=ref)],
        properties=_properties(_finding_properties(finding)),
    )


def _ratings(finding: Finding) -> list[VulnerabilityRating]:
    """Every CVSS assessment (scored) and vendor word the records offered; CycloneDX keeps
    ratings as a sorted set, so the one dockwise judged by says so in `justification`."""
    decided = finding.deciding_cvss
    ratings = [_cvss_rating(c, c is decided) for c in finding.cvss]
    for vendor, raw in finding.vendor_severity:
        chose = decided is None and finding.severity_source.split(" ")[0] == vendor
        ratings.append(_word_rating(vendor, raw, chose))
    if not ratings:
        severity = VulnerabilitySeverity(_CDX_SEVERITY[finding.severity])
        other = VulnerabilityScoreSource.OTHER
        ratings.append(VulnerabilityRating(severity=severity, method=other))
    return ratings


def _cvss_rating(cvss: Cvss, chosen: bool) -> VulnerabilityRating:
    return VulnerabilityRating(
        source=VulnerabilitySource(name=cvss.source),
        score=None if cvss.score is None else Decimal(str(cvss.score)),
        severity=VulnerabilitySeverity(_CDX_SEVERITY[cvss.severity]),
        method=_CVSS_METHOD[cvss.version],
        vector=cvss.vector,
        justification=_CHOSEN if chosen else None,
    )


def _word_rating(vendor: str, raw: str, chosen: bool) -> VulnerabilityRating:
    return VulnerabilityRating(
        source=VulnerabilitySource(name=vendor),
        severity=VulnerabilitySeverity(_CDX_SEVERITY[distro_rating(raw)]),
        method=VulnerabilityScoreSource.OTHER,
        justification=f"{vendor} rates it {raw}" + (f"; {_CHOSEN}" if chosen else ""),
    )


def _recommendation(finding: Finding) -> str | None:
    if not finding.fixed_version or finding.package is None:
        return None
    return f"upgrade {finding.package.name} to {finding.fixed_version} or later"


def _analysis(finding: Finding) -> VulnerabilityAnalysis | None:
    if not finding.suppressed:
        return None
    fixed = finding.suppressed.startswith("vex fixed")
    state = ImpactAnalysisState.RESOLVED if fixed else ImpactAnalysisState.NOT_AFFECTED
    return VulnerabilityAnalysis(state=state, detail=finding.suppressed)


def _finding_properties(finding: Finding) -> Iterator[tuple[str, str]]:
    """What CycloneDX has no field for: installed and fixed version, status, the why."""
    yield "dockwise:finding:status", finding.status
    yield "dockwise:finding:fixed-version", finding.fixed_version
    if finding.package is not None:
        yield "dockwise:finding:installed-version", finding.package.version
    # Properties are a sorted set in CycloneDX tooling; the index keeps the order.
    for i, (key, value) in enumerate(finding.evidence):
        yield f"dockwise:evidence:{i:03d}:{key}", value


def _id_source(vid: str) -> str | None:
    """The database an id belongs to, from its prefix (CVE-, GHSA-, PYSEC-, ...)."""
    return vid.split("-", 1)[0] if "-" in vid else None


def serial_number(result: ScanResult) -> uuid.UUID:
    """A UUID derived from which bytes were read and when, so re-rendering is stable."""
    image = result.image
    key = "\n".join((image.source, image.manifest_digest, image.config_digest, result.generated))
    return uuid.uuid5(_SERIAL_NAMESPACE, key)


def _timestamp(generated: str) -> datetime | None:
    """The run time; None lets the library use "now" when the result has none."""
    if not generated:
        return None
    try:
        parsed = datetime.fromisoformat(generated)
    except ValueError as e:
        raise ReportError(f"{generated!r}: invalid generated timestamp") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tool(version: str) -> Component:
    return Component(
        type=ComponentType.APPLICATION, name="dockwise", version=version or __version__
    )


def _image_component(image: ImageInfo) -> Component:
    return Component(
        type=ComponentType.CONTAINER,
        bom_ref=IMAGE_REF,
        name=image.source,
        version=image.manifest_digest or image.config_digest or None,
        supplier=_supplier(image_supplier(image)),
        properties=_properties(_image_properties(image)),
    )


def _image_properties(image: ImageInfo) -> Iterator[tuple[str, str]]:
    """Run config and provenance. Lists become repeated properties, argv one JSON array."""
    config = image.config
    yield "dockwise:image:scheme", image.scheme
    yield "dockwise:image:manifest-digest", image.manifest_digest
    yield "dockwise:image:config-digest", image.config_digest
    yield "dockwise:image:platform", _platform(image)
    yield "dockwise:image:created", image.created
    yield from (("dockwise:image:repo-tag", tag) for tag in image.repo_tags)
    # Empty user means the image runs as root; say so rather than omit the property.
    yield "dockwise:config:user", config.user or "root"
    yield from (("dockwise:config:exposed-port", port) for port in config.exposed_ports)
    yield "dockwise:config:entrypoint", _argv(config.entrypoint)
    yield "dockwise:config:cmd", _argv(config.cmd)
    yield "dockwise:config:workdir", config.working_dir
    yield from (("dockwise:config:env", f"{k}={v}") for k, v in config.env)
    yield from ((f"dockwise:label:{k}", v) for k, v in config.labels)
    # Properties are a sorted set in CycloneDX tooling; the index in the name keeps order.
    yield from (
        (f"dockwise:history:{i}", entry.created_by) for i, entry in enumerate(image.history)
    )


def _distro_component(distro: Distro) -> Component:
    return Component(
        type=ComponentType.OPERATING_SYSTEM,
        bom_ref=f"os:{distro.id}@{distro.version_id}",
        name=distro.id,
        version=distro.version_id or None,
        description=distro.pretty_name or None,
        supplier=_supplier(distro_supplier(distro)),
        properties=_properties([("dockwise:distro:codename", distro.codename)]),
    )


def _with_refs(packages: Iterable[Package]) -> Iterator[tuple[Package, str]]:
    """Each package with a bom-ref: its purl, suffixed `#2`, `#3`... when seen before.

    The same package can legitimately appear twice (two status files, two layers), and
    CycloneDX requires bom-refs to be unique in the document.
    """
    seen: dict[str, int] = {}
    for pkg in packages:
        ref = pkg.key
        seen[ref] = seen.get(ref, 0) + 1
        yield pkg, ref if seen[ref] == 1 else f"{ref}#{seen[ref]}"


def _package_component(pkg: Package, bom_ref: str, supplier: str) -> Component:
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=bom_ref,
        name=pkg.name,
        version=pkg.version or None,
        purl=_purl(pkg.purl),
        licenses=_licenses(pkg.licenses),
        publisher=pkg.maintainer or None,
        supplier=_supplier(supplier),
        properties=_properties(package_properties(pkg)),
    )


def _supplier(text: str) -> OrganizationalEntity | None:
    """The same supplier the SPDX output names; absent (not guessed) when nothing says."""
    parsed = name_email(text)
    if parsed is None:
        return None
    name, email = parsed
    contacts = [OrganizationalContact(name=name, email=email)] if "@" in email else []
    return OrganizationalEntity(name=name, contacts=contacts)


def _purl(value: str) -> PackageURL | None:
    """The parsed purl; one we cannot parse is left out rather than losing the whole SBOM."""
    try:
        return PackageURL.from_string(value) if value else None
    except ValueError:
        return None


def _licenses(values: tuple[str, ...]) -> list[License]:
    """Each value as a license (an SPDX id, or the name as declared) when every value is
    one license; otherwise one SPDX expression of them all, since CycloneDX allows
    either license objects or exactly one expression, never a mix."""
    parts = [(value, declared(value)) for value in values]
    if all(part.simple for _, part in parts):
        return [_license(value, part) for value, part in parts]
    return [LicenseExpression(combined(values).expression)]


def _license(value: str, part: Declared) -> DisjunctiveLicense:
    if part.refs:
        return DisjunctiveLicense(name=value)
    return DisjunctiveLicense(id=part.expression)


def _properties(pairs: Iterable[tuple[str, str]]) -> list[Property]:
    """Empty values are left out: an absent property reads as "unknown", as it should."""
    return [Property(name=name, value=value) for name, value in pairs if value]


def _platform(image: ImageInfo) -> str:
    return "/".join(part for part in (image.os, image.architecture, image.variant) if part)


def _argv(argv: tuple[str, ...]) -> str:
    return json.dumps(list(argv)) if argv else ""
