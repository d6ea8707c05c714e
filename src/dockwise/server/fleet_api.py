"""The fleet as JSON: images, open findings, which images a CVE or package affects, an
image's history, and the outbox of notifications, paged by id. Each endpoint's OpenAPI
description is the YAML after `---` in its docstring (Starlette's SchemaGenerator
collects them into /openapi.json)."""

from __future__ import annotations

import dataclasses

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from dockwise import __version__
from dockwise.errors import DockwiseError
from dockwise.fleet import pages, queries

MAX_LIMIT = 500

SCHEMAS = SchemaGenerator({
    "openapi": "3.0.0",
    "info": {"title": "dockwise fleet API", "version": __version__},
})  # fmt: skip


def _limit(request: Request, default: int) -> tuple[int, int]:
    """`?after=ID&limit=N` (ids, so a page never shifts while rows are added)."""
    try:
        after = int(request.query_params.get("after", "0"))
        limit = int(request.query_params.get("limit", str(default)))
    except ValueError:
        raise DockwiseError("after and limit must be integers") from None
    return max(after, 0), min(max(limit, 1), MAX_LIMIT)


def _rows(rows: list) -> list[dict]:
    return [dataclasses.asdict(row) for row in rows]


def _paged(rows: list, limit: int) -> Response:
    """A page and the cursor of the next one ("" at the end)."""
    after = rows[-1].id if len(rows) == limit else ""
    return JSONResponse({"items": _rows(rows), "next_after": after})


async def images(request: Request) -> Response:
    """Every image, worst first, with "rebuild needed" and why.
    ---
    responses:
      200:
        description: "[{name, digest, worst, kev, fixable, eol, age_days, rebuild}]"
    """
    return JSONResponse(_rows(await run_in_threadpool(queries.status,
                                                      request.app.state.settings.fleet)))


async def findings(request: Request) -> Response:
    """Open findings, paged; `image=DIGEST` and `vuln=ID` narrow them.
    ---
    parameters:
      - {name: image, in: query, schema: {type: string}}
      - {name: vuln, in: query, schema: {type: string}}
      - {name: after, in: query, schema: {type: integer}}
      - {name: limit, in: query, schema: {type: integer, maximum: 500}}
    responses:
      200:
        description: "{items: [{id, digest, vuln_id, package, severity, since, ...}],
          next_after}"
    """
    after, limit = _limit(request, 100)
    params = request.query_params
    rows = await run_in_threadpool(
        pages.open_findings, request.app.state.settings.fleet, digest=params.get("image", ""),
        vuln_id=params.get("vuln", ""), after=after, limit=limit)  # fmt: skip
    return _paged(rows, limit)


async def affected(request: Request) -> Response:
    """Images affected by a CVE (or alias), or holding a purl or package name.
    ---
    parameters:
      - {name: cve, in: query, schema: {type: string}}
      - {name: package, in: query, schema: {type: string}}
    responses:
      200:
        description: "[{name, digest, package, purl, vuln_id, severity, fixed_version}]"
      400:
        description: neither cve nor package given
    """
    what = request.query_params.get("cve") or request.query_params.get("package")
    if not what:
        raise DockwiseError("give ?cve=ID or ?package=NAME|PURL")
    fleet = request.app.state.settings.fleet
    return JSONResponse(_rows(await run_in_threadpool(queries.affected, fleet, what)))


async def history(request: Request) -> Response:
    """An image's scans, and each finding's life over database releases.
    ---
    parameters:
      - {name: image, in: path, required: true, schema: {type: string}}
    responses:
      200:
        description: "{image, events: [{kind, what, first, last, resolved, status}]}"
      404:
        description: no such image
    """
    fleet = request.app.state.settings.fleet
    digest, events = await run_in_threadpool(queries.history, fleet, request.path_params["image"])
    return JSONResponse({"image": digest, "events": _rows(events)})


async def notifications(request: Request) -> Response:
    """The outbox, paged; each roll-up with its `callback`, the URL a Clair-style webhook
    body `{notification_id, callback}` names.
    ---
    parameters:
      - {name: after, in: query, schema: {type: integer}}
      - {name: limit, in: query, schema: {type: integer, maximum: 500}}
    responses:
      200:
        description: "{items: [{id, release_id, created, delivered, body, callback}],
          next_after}"
    """
    after, limit = _limit(request, 20)
    fleet = request.app.state.settings.fleet
    rows = await run_in_threadpool(pages.outbox, fleet, after=after, limit=limit)
    items = [{**dataclasses.asdict(row), "callback": _callback(request, row.id)} for row in rows]
    return JSONResponse({"items": items, "next_after": rows[-1].id if len(rows) == limit else ""})


def _callback(request: Request, notification_id: int) -> str:
    return str(request.url_for("notification", notification_id=notification_id))


async def notification(request: Request) -> Response:
    """One notification, its images paged (Clair's callback): a webhook sends
    `{notification_id, callback}` and the receiver GETs the callback until `next_after`
    is empty.
    ---
    parameters:
      - {name: notification_id, in: path, required: true, schema: {type: integer}}
      - {name: after, in: query, schema: {type: integer}}
      - {name: limit, in: query, schema: {type: integer, maximum: 500}}
    responses:
      200:
        description: "{notification_id, release_id, created, images: [{image, findings}],
          next_after}"
      404:
        description: no such notification
    """
    after, limit = _limit(request, 100)
    notification_id = request.path_params["notification_id"]
    fleet = request.app.state.settings.fleet
    found = await run_in_threadpool(pages.notification, fleet, notification_id)
    if found is None:
        return JSONResponse({"error": {"message": "no such notification"}}, 404)
    sections = found.body.get("images", [])
    page = sections[after:after + limit]
    more = after + limit < len(sections)
    return JSONResponse({"notification_id": found.id, "release_id": found.release_id,
                         "created": found.created, "images": page,
                         "next_after": after + limit if more else ""})  # fmt: skip


async def openapi(request: Request) -> Response:
    """This API's OpenAPI document."""
    return JSONResponse(SCHEMAS.get_schema(routes=request.app.routes))


ROUTES = [
    Route("/fleet/v1/images", images, methods=["GET"]),
    Route("/fleet/v1/findings", findings, methods=["GET"]),
    Route("/fleet/v1/affected", affected, methods=["GET"]),
    Route("/fleet/v1/images/{image:path}/history", history, methods=["GET"]),
    Route("/fleet/v1/notifications", notifications, methods=["GET"]),
    Route("/fleet/v1/notifications/{notification_id:int}", notification, methods=["GET"],
          name="notification"),
    Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
]
