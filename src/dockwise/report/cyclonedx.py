"""`--format cyclonedx-json`: CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/).

Written directly as dicts dumped to JSON: cyclonedx-python-lib's object model took
seconds to serialise a few thousand components (bench/sbom_writers_bench.py); the
library stays in the tests as the strict validator of every document this writes.
The image is `metadata.component` (type container), the distro an operating-system
component and every package a library component. What CycloneDX has no field for
(layer, location, run config) goes into `dockwise:*` properties, documented in
docs/json-output.md. Serial number and timestamp come from the result, so the same
result always gives the same document.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from dockwise.errors import ReportError
from dockwise.model import Cvss, Distro, Finding, ImageInfo, Package, ScanResult, Severity
from dockwise.report.licenses import Declared, combined, declared
from dockwise.report.properties import canonical_purl, json_lines, package_properties
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
_CVSS_METHOD = {"2.0": "CVSSv2", "3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}
_CVSS_PREFIX = re.compile(r"^CVSS:\d\.\d/?")


class CycloneDxJsonReporter:
    """`--format cyclonedx-json`: for tools that consume standard SBOMs."""

    name = "cyclonedx-json"

    def render(self, result: ScanResult) -> str:
        return json_lines(bom_dict(result))


def bom_dict(result: ScanResult) -> dict:
    """The CycloneDX document of `result` as JSON-ready dicts, the image depending on
    every other component."""
    inventory = result.inventory
    refs = list(_with_refs(inventory.packages))
    suppliers = package_suppliers(inventory.packages)
    components = [
        _package_component(p, ref, s) for (p, ref), s in zip(refs, suppliers, strict=True)
    ]
    if inventory.distro is not None:
        components.insert(0, _distro_component(inventory.distro))
    image = _image_component(result.image)
    dependencies = [{"ref": IMAGE_REF, "dependsOn": [c["bom-ref"] for c in components]}]
    dependencies += [{"ref": c["bom-ref"]} for c in components]
    return _compact({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial_number(result).urn,
        "version": 1,
        "metadata": {
            "timestamp": _timestamp(result.generated),
            # CISA's SBOM type `analyzed`: read from the built image's bytes
            "lifecycles": [{"phase": "post-build"}],
            "tools": {"components": [_tool(result.tool_version)]},
            "component": image,
        },
        "components": components,
        "dependencies": dependencies,
        "vulnerabilities": _vulnerabilities(result.findings, dict(reversed(refs))),
    })  # fmt: skip


def _compact(value: dict) -> dict:
    """Absent rather than empty: CycloneDX readers take a missing field as unknown."""
    return {k: v for k, v in value.items() if v is not None and v != [] and v != {}}


def _vulnerabilities(findings: Iterable[Finding], refs: dict[Package, str]) -> list[dict]:
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


def _vulnerability(finding: Finding, ref: str, index: int) -> dict:
    evidence = dict(finding.evidence)  # the first value of each key: enough for the source
    return _compact({
        "bom-ref": f"vuln:{finding.rule_id}:{index}",
        "id": finding.rule_id,
        "source": _source(evidence.get("feed")),
        "references": [
            {"id": alias, "source": _source(_id_source(alias))} for alias in finding.aliases
        ],
        "ratings": _ratings(finding),
        "description": finding.title or None,
        "recommendation": _recommendation(finding),
        "analysis": _analysis(finding),
        "affects": [{"ref": ref}],
        "properties": _properties(_finding_properties(finding)),
    })  # fmt: skip


def _source(name: str | None) -> dict | None:
    return {"name": name} if name else None


def _ratings(finding: Finding) -> list[dict]:
    """Every CVSS assessment (scored) and vendor word the records offered; the one
    dockwise judged by says so in `justification` (consumers may sort ratings)."""
    decided = finding.deciding_cvss
    ratings = [_cvss_rating(c, c is decided) for c in finding.cvss]
    for vendor, raw in finding.vendor_severity:
        chose = decided is None and finding.severity_source.split(" ")[0] == vendor
        ratings.append(_word_rating(vendor, raw, chose))
    if not ratings:
        ratings.append({"severity": _CDX_SEVERITY[finding.severity], "method": "other"})
    return ratings


def _cvss_rating(cvss: Cvss, chosen: bool) -> dict:
    return _compact({
        "source": _source(cvss.source),
        "score": cvss.score,
        "severity": _CDX_SEVERITY[cvss.severity],
        "method": _CVSS_METHOD[cvss.version],
        # the method names the CVSS version, so the vector goes without its `CVSS:3.1/`
        "vector": _CVSS_PREFIX.sub("", cvss.vector) or None,
        "justification": _CHOSEN if chosen else None,
    })  # fmt: skip


def _word_rating(vendor: str, raw: str, chosen: bool) -> dict:
    # imported here: `dockwise.checks` costs about 0.3 s to import, and an SBOM without
    # findings (`dockwise sbom`) never rates a vendor's word
    from dockwise.checks.vulns.severity import distro_rating

    return {
        "source": {"name": vendor},
        "severity": _CDX_SEVERITY[distro_rating(raw)],
        "method": "other",
        "justification": f"{vendor} rates it {raw}" + (f"; {_CHOSEN}" if chosen else ""),
    }


def _recommendation(finding: Finding) -> str | None:
    if not finding.fixed_version or finding.package is None:
        return None
    return f"upgrade {finding.package.name} to {finding.fixed_version} or later"


def _analysis(finding: Finding) -> dict | None:
    if not finding.suppressed:
        return None
    fixed = finding.suppressed.startswith("vex fixed")
    return {"state": "resolved" if fixed else "not_affected", "detail": finding.suppressed}


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


def _timestamp(generated: str) -> str:
    """The run time in UTC, whole seconds; "now" only for a result that has none."""
    if not generated:
        return datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        parsed = datetime.fromisoformat(generated)
    except ValueError as e:
        raise ReportError(f"{generated!r}: invalid generated timestamp") from e
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _tool(version: str) -> dict:
    return {"type": "application", "name": "dockwise", "version": version or __version__}


def _image_component(image: ImageInfo) -> dict:
    return _compact({
        "type": "container",
        "bom-ref": IMAGE_REF,
        "name": image.source,
        "version": image.manifest_digest or image.config_digest or None,
        "supplier": _supplier(image_supplier(image)),
        "properties": _properties(_image_properties(image)),
    })  # fmt: skip


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


def _distro_component(distro: Distro) -> dict:
    return _compact({
        "type": "operating-system",
        "bom-ref": f"os:{distro.id}@{distro.version_id}",
        "name": distro.id,
        "version": distro.version_id or None,
        "description": distro.pretty_name or None,
        "supplier": _supplier(distro_supplier(distro)),
        "properties": _properties([("dockwise:distro:codename", distro.codename)]),
    })  # fmt: skip


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


def _package_component(pkg: Package, bom_ref: str, supplier: str) -> dict:
    return _compact({
        "type": "library",
        "bom-ref": bom_ref,
        "name": pkg.name,
        "version": pkg.version or None,
        "purl": canonical_purl(pkg.purl),
        "licenses": _licenses(pkg.licenses),
        "publisher": pkg.maintainer or None,
        "supplier": _supplier(supplier),
        "properties": _properties(package_properties(pkg)),
    })  # fmt: skip


def _supplier(text: str) -> dict | None:
    """The same supplier the SPDX output names; absent (not guessed) when nothing says."""
    parsed = name_email(text)
    if parsed is None:
        return None
    name, email = parsed
    if "@" not in email:
        return {"name": name}
    return {"name": name, "contact": [{"name": name, "email": email}]}


def _licenses(values: tuple[str, ...]) -> list[dict]:
    """Each value as a license (an SPDX id, or the name as declared) when every value is
    one license; otherwise one SPDX expression of them all, since CycloneDX allows
    either license objects or exactly one expression, never a mix."""
    parts = [(value, declared(value)) for value in values]
    if all(part.simple for _, part in parts):
        # a set in CycloneDX: `BSD-3-clause` and `BSD-3-Clause` are one license
        licenses = (_license(value, part) for value, part in parts)
        return list({json.dumps(lic): lic for lic in licenses}.values())
    return [{"expression": combined(values).expression}]


def _license(value: str, part: Declared) -> dict:
    if part.refs:
        return {"license": {"name": value}}
    return {"license": {"id": part.expression}}


def _properties(pairs: Iterable[tuple[str, str]]) -> list[dict]:
    """Empty values are left out: an absent property reads as "unknown", as it should."""
    return [{"name": name, "value": value} for name, value in pairs if value]


def _platform(image: ImageInfo) -> str:
    return "/".join(part for part in (image.os, image.architecture, image.variant) if part)


def _argv(argv: tuple[str, ...]) -> str:
    return json.dumps(list(argv)) if argv else ""
