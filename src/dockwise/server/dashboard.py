"""The dashboard: server-rendered pages with their CSS inline, no script and no external
asset, so it reads the same with JavaScript off and behind a strict CSP. The image page
is the HTML report of the image's stored result."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from dockwise.fleet import pages, queries
from dockwise.server.api import render_result

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'"
ORDER = ("critical", "high", "medium", "low", "negligible", "unknown", "none")


def _page(template: str, **context: object) -> Response:
    html = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, headers={"content-security-policy": CSP})


async def overview(request: Request) -> Response:
    lines = await run_in_threadpool(queries.status, request.app.state.settings.fleet)
    counts = Counter(s.worst for s in lines)
    by_worst = [(severity, counts[severity]) for severity in ORDER if counts[severity]]
    return _page("overview.html.j2", title="Fleet", lines=lines, by_worst=by_worst)


async def image(request: Request) -> Response:
    """The existing HTML report (it has its own styles and a script that only sorts)."""
    digest = request.path_params["digest"]
    fleet = request.app.state.settings.fleet
    result = await run_in_threadpool(pages.stored_result, fleet, digest)
    if result is None:
        return _page("base.html.j2", title=f"{digest}: not in the fleet")
    return HTMLResponse(await run_in_threadpool(render_result, result, "html"))


async def cve(request: Request) -> Response:
    """Which images hold a CVE (or an alias, purl or package), and since which release."""
    asked = request.query_params.get("id", "").strip()[:200]
    fleet = request.app.state.settings.fleet
    found = await run_in_threadpool(queries.affected, fleet, asked) if asked else []
    since = {}
    for vuln_id in sorted({a.vuln_id for a in found if a.vuln_id}):
        rows = await run_in_threadpool(pages.open_findings, fleet, vuln_id=vuln_id, limit=10000)
        since.update({(r.digest, r.package, r.vuln_id): r.since for r in rows})
    return _page("cve.html.j2", title="Which images hold it", asked=asked, found=found,
                 since=since)  # fmt: skip


async def trends(request: Request) -> Response:
    points = await run_in_threadpool(pages.trend, request.app.state.settings.fleet)
    top = max((p.findings for p in points), default=0) or 1
    return _page("trends.html.j2", title="Trends", points=points, top=top)


ROUTES = [
    Route("/", overview, methods=["GET"], include_in_schema=False),
    Route("/images/{digest}", image, methods=["GET"], include_in_schema=False),
    Route("/cve", cve, methods=["GET"], include_in_schema=False),
    Route("/trends", trends, methods=["GET"], include_in_schema=False),
]
