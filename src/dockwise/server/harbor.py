"""The Harbor Pluggable Scanner API v1.2 (goharbor/pluggable-scanner-spec), exactly:
metadata, an asynchronous scan, and its report as a vulnerability report (1.1 or
Harbor's 1.0), a raw one (dockwise's JSON), or an SBOM (SPDX or CycloneDX).

The scan id is the artifact itself, base64url-encoded JSON: stateless, so a report is
found after a restart from the fleet store alone, and no table is needed for ids.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dockwise import __version__
from dockwise.fleet import api as fleet_api
from dockwise.fleet.pages import result_by_digest, result_digest
from dockwise.server.api import load_json, render_result
from dockwise.server.guard import Refused
from dockwise.server.scans import ScanJob

ERROR = "application/vnd.scanner.adapter.error+json; version=1.0"
METADATA = "application/vnd.scanner.adapter.metadata+json; version=1.1"
SCAN_RESPONSE = "application/vnd.scanner.adapter.scan.response+json; version=1.0"
VULN_1_1 = "application/vnd.security.vulnerability.report; version=1.1"
VULN_HARBOR = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
RAW = "application/vnd.scanner.adapter.vuln.report.raw"
SBOM = "application/vnd.security.sbom.report+json; version=1.0"
SBOM_FORMATS = {"application/spdx+json": "spdx-json",
                "application/vnd.cyclonedx+json": "cyclonedx-json"}  # fmt: skip
MANIFESTS = ("application/vnd.oci.image.manifest.v1+json",
             "application/vnd.docker.distribution.manifest.v2+json")  # fmt: skip
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")  # noqa: E501 - the distribution spec's grammar
REFRESH_AFTER = "5"  # seconds, what Harbor waits before asking again
HARBOR_SEVERITY = {"unknown": "Unknown", "negligible": "Negligible", "low": "Low",
                   "medium": "Medium", "high": "High", "critical": "Critical"}  # fmt: skip


class NotCapable(Refused):
    """A request this scanner has no capability for (the spec's 501)."""


def error(status: int, message: str) -> Response:
    return JSONResponse({"error": {"message": message}}, status, media_type=ERROR)


async def metadata(request: Request) -> Response:
    """What Harbor reads when an admin registers the scanner."""
    properties = {"harbor.scanner-adapter/scanner-type": "os-package-vulnerability"}
    updated = await run_in_threadpool(request.app.state.settings.db_built)
    if updated:
        properties["harbor.scanner-adapter/vulnerability-database-updated-at"] = updated
    body = {
        "scanner": {"name": "dockwise", "vendor": "dockwise", "version": __version__},
        "capabilities": [
            {"type": "vulnerability", "consumes_mime_types": list(MANIFESTS),
             "produces_mime_types": [VULN_1_1, VULN_HARBOR, RAW]},
            {"type": "sbom", "consumes_mime_types": list(MANIFESTS),
             "produces_mime_types": [SBOM],
             "additional_attributes": {"sbom_media_types": list(SBOM_FORMATS)}},
        ],
        "properties": properties,
    }  # fmt: skip
    return JSONResponse(body, media_type=METADATA)


async def accept_scan(request: Request) -> Response:
    """202 with the id at once; the pull runs in the background."""
    try:  # depth-bounded: a body of 60,000 `[` is no RecursionError
        body = load_json(await request.body())
    except ValueError as exc:
        return error(400, f"the body is not JSON: {exc}")
    try:  # off the event loop: the guard resolves the registry's name
        artifact, job = await run_in_threadpool(_scan_job, body, request.app.state.settings.guard)
    except NotCapable as exc:
        return error(501, str(exc))
    except Refused as exc:
        return error(422, str(exc))
    except (TypeError, KeyError, AttributeError):
        return error(400, "expected {registry: {url, authorization}, artifact: {repository, "
                          "digest, tag, mime_type}}")  # fmt: skip
    await run_in_threadpool(request.app.state.scans.submit, job)  # it asks the store
    return JSONResponse({"id": encode_id(artifact)}, 202, media_type=SCAN_RESPONSE)


def _scan_job(body: dict, guard: Any) -> tuple[dict, ScanJob]:  # noqa: ANN401 - Guard
    registry, artifact = body["registry"], body["artifact"]
    repository, digest = artifact["repository"], artifact["digest"]
    if not isinstance(repository, str) or not REPOSITORY.match(repository):
        raise Refused("artifact.repository is not a repository name")
    if not isinstance(digest, str) or not DIGEST.match(digest):
        raise Refused("artifact.digest must be sha256:<64 hex digits>")
    mime = artifact.get("mime_type") or MANIFESTS[0]
    if mime not in MANIFESTS:
        raise NotCapable(f"artifact.mime_type {mime!r} is not one this scanner consumes")
    target = guard.check(str(registry["url"]))
    username, password = _credentials(registry.get("authorization") or "")
    kept = {"repository": repository, "digest": digest, "tag": str(artifact.get("tag") or ""),
            "mime_type": mime}  # fmt: skip
    job = ScanJob(f"registry:{target.host}/{repository}@{digest}", digest,
                  (target.host,) if target.insecure else (), username, password)  # fmt: skip
    return kept, job


def _credentials(authorization: str) -> tuple[str | None, str | None]:
    """Harbor sends `Basic base64(robot:secret)`: used for this pull only."""
    if not authorization:
        return None, None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise Refused("registry.authorization must be Basic credentials")
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Refused("registry.authorization is not base64 of user:password") from None
    if not sep:
        raise Refused("registry.authorization is not base64 of user:password")
    return user, password


def encode_id(artifact: dict) -> str:
    raw = json.dumps(artifact, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id(scan_id: str) -> dict | None:
    """The artifact an id names; None for anything this server did not make."""
    try:
        raw = base64.urlsafe_b64decode(scan_id + "=" * (-len(scan_id) % 4))
        artifact = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    keys = {"repository", "digest", "tag", "mime_type"}
    if not isinstance(artifact, dict) or set(artifact) != keys:
        return None
    if not all(isinstance(v, str) for v in artifact.values()) or not DIGEST.match(
            artifact["digest"]):  # fmt: skip
        return None
    return artifact


async def report(request: Request) -> Response:
    """302 while the scan runs; the report in the format the Accept header names."""
    artifact = decode_id(request.path_params["scan_id"])
    if artifact is None:
        return error(404, "no scan with this id")
    accept = _accepted(request)
    if accept is None:
        return error(501, "this scanner produces " + ", ".join([VULN_1_1, VULN_HARBOR, RAW, SBOM]))
    # a bare `+` in a query string reads as a space: a client that did not escape it
    # still means application/spdx+json
    sbom_format = request.query_params.get("sbom_media_type", "").replace(" ", "+")
    if accept == SBOM and sbom_format not in SBOM_FORMATS:
        return error(400, "an SBOM report needs ?sbom_media_type=" + " or ".join(SBOM_FORMATS))
    # off the event loop: with a queue, the state is a database query
    state = await run_in_threadpool(request.app.state.scans.state, artifact["digest"])
    if state.name == "running":
        return Response(status_code=302, headers={"Refresh-After": REFRESH_AFTER})
    if state.name == "failed":
        return error(500, state.message)
    fleet = request.app.state.settings.fleet
    found = await run_in_threadpool(result_digest, fleet, artifact["digest"])
    if not found:
        return error(404, "no scan with this id (a restart forgets scans in flight: scan again)")
    body = await run_in_threadpool(_report, fleet, found, accept, sbom_format)
    if accept == RAW:
        return Response(body, media_type=RAW)
    return JSONResponse({**body, "artifact": artifact}, media_type=accept)


def _accepted(request: Request) -> str | None:
    """The first media type of the Accept header this scanner produces (parameters
    compared without spaces); the 1.1 report when the client takes anything."""
    wanted = request.headers.get("accept", "*/*")
    produced = {_squash(m): m for m in (VULN_1_1, VULN_HARBOR, RAW, SBOM)}
    for item in wanted.split(","):
        if item.strip().split(";")[0].strip() in ("*/*", ""):
            return VULN_1_1
        if _squash(item) in produced:
            return produced[_squash(item)]
    return None


def _squash(media_type: str) -> str:
    return "".join(media_type.split()).lower()


@lru_cache(maxsize=256)
def _report(fleet: Any, found: str, accept: str, sbom: str) -> dict | str:  # noqa: ANN401
    """A report of the stored result `found`, without its artifact (the id's). Results
    are content-addressed and never change, so reports are cached: Harbor polls."""
    result = result_by_digest(fleet, found)
    if accept == RAW:
        return render_result(result, "json")
    common = {"generated_at": _timestamp(result.generated),
              "scanner": {"name": "dockwise", "vendor": "dockwise",
                          "version": result.tool_version}}  # fmt: skip
    if accept == SBOM:
        document = json.loads(render_result(result, SBOM_FORMATS[sbom]))
        return {**common, "media_type": sbom, "sbom": document}
    return {**common, **vulnerability_report(result)}


def vulnerability_report(result: fleet_api.ScanResult) -> dict:
    """The severity and vulnerabilities of a HarborVulnerabilityReport; suppressed
    findings are left out (Harbor has no place for why)."""
    items = [_item(f) for f in sorted(result.findings, key=lambda f: f.sort_key)
             if f.kind == "vulnerability" and f.package and not f.suppressed]  # fmt: skip
    worst = max((f.severity for f in result.findings if f.kind == "vulnerability"
                 and f.package and not f.suppressed), default=None)  # fmt: skip
    body: dict = {"vulnerabilities": items}
    if worst is not None:
        body["severity"] = HARBOR_SEVERITY[str(worst)]
    return body


def _item(finding: fleet_api.Finding) -> dict:
    package = finding.package
    item = {
        "id": finding.rule_id, "package": package.name, "version": package.version,
        "fix_version": finding.fixed_version, "severity": HARBOR_SEVERITY[str(finding.severity)],
        "description": finding.title,
        "links": [r for r in finding.references if r.startswith(("https://", "http://"))],
        "vendor_attributes": {"aliases": list(finding.aliases), "fix_status": finding.status,
                              "severity_source": finding.severity_source,
                              "purl": package.purl},
    }  # fmt: skip
    cvss = _cvss(finding)
    if cvss:
        item["preferred_cvss"] = cvss
    return item


def _cvss(finding: fleet_api.Finding) -> dict:
    """The deciding assessment, else the highest of each version: v3 (or 4.0 as the
    newest on offer, which Harbor shows in the v3 slot) and v2."""
    found: dict = {}
    ranked = sorted((c for c in finding.cvss if c.score is not None),
                    key=lambda c: (c is not finding.deciding_cvss, -(c.score or 0)))  # fmt: skip
    for assessment in ranked:
        slot = "v2" if assessment.version == "2.0" else "v3"
        if f"score_{slot}" not in found:
            found[f"score_{slot}"] = assessment.score
            found[f"vector_{slot}"] = assessment.vector
    return found


def _timestamp(text: str) -> str:
    """RFC 3339 date-time, as the spec's `format: date-time` wants."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return datetime.now(UTC).isoformat()


ROUTES = [
    Route("/api/v1/metadata", metadata, methods=["GET"]),
    Route("/api/v1/scan", accept_scan, methods=["POST"]),
    Route("/api/v1/scan/{scan_id}/report", report, methods=["GET"]),
]
