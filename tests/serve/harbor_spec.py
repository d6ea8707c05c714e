"""Harbor requests and responses checked against the Pluggable Scanner API v1.2's
OpenAPI document (data/, copied from goharbor/pluggable-scanner-spec) by openapi-core."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# The spec's vendor media types are JSON documents; openapi-core knows only
# application/json and +json suffixes as JSON unless told.
JSON_TYPES = (
    "application/vnd.scanner.adapter.metadata+json", "application/vnd.scanner.adapter.error+json",
    "application/vnd.scanner.adapter.scan.request+json",
    "application/vnd.scanner.adapter.scan.response+json",
    "application/vnd.scanner.adapter.vuln.report.harbor+json",
    "application/vnd.security.vulnerability.report", "application/vnd.security.sbom.report+json",
)  # fmt: skip
RAW = "application/vnd.scanner.adapter.vuln.report.raw"
SPEC = Path(__file__).resolve().parent / "data" / "scanner-adapter-openapi-v1.2.yaml"


@cache
def harbor_spec() -> OpenAPI:
    """The document itself is not checked: upstream's has an `enum` beside the
    `sbom_media_type` parameter's schema, not inside it (invalid OpenAPI 3.0), and it is
    kept as published. The enum is then not applied; the tests ask only for its values."""
    readers = {media: _json for media in JSON_TYPES}
    readers[RAW] = _text  # the raw report's schema is a string
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=readers)
    return OpenAPI.from_file_path(str(SPEC), config=config)


@dataclass
class SpecRequest:
    """An httpx request, as openapi-core reads one (paths relative to the spec's
    `servers: /api/v1`)."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None

    @classmethod
    def of(cls, request: httpx.Request) -> SpecRequest:
        url = urlsplit(str(request.url))
        query = ImmutableMultiDict(httpx.QueryParams(url.query).multi_items())
        parameters = RequestParameters(query=query, header=Headers(dict(request.headers)))
        return cls(f"{url.scheme}://{url.netloc}", url.path, request.method.lower(), parameters,
                   request.headers.get("content-type", ""), request.content or None)


@dataclass
class SpecResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None

    @classmethod
    def of(cls, response: httpx.Response) -> SpecResponse:
        return cls(response.status_code, response.headers.get("content-type", ""),
                   Headers(dict(response.headers)), response.content)


def validate(response: httpx.Response, *, request_too: bool = True) -> httpx.Response:
    """Fails unless the request (unless it is bad on purpose) and its response are what
    the spec says; the response."""
    request = SpecRequest.of(response.request)
    if request_too:
        harbor_spec().validate_request(request)
    harbor_spec().validate_response(request, SpecResponse.of(response))
    return response


def _json(value: bytes | str, **_parameters: str) -> object:
    return json.loads(value)


def _text(value: bytes | str, **_parameters: str) -> str:
    return value.decode() if isinstance(value, bytes) else value
