"""The ASGI app: the Harbor routes, the fleet API and the dashboard behind one gate."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dockwise.errors import DockwiseError
from dockwise.fleet import FleetError
from dockwise.fleet import api as fleet_api
from dockwise.fleet.store import Fleet
from dockwise.server import dashboard, harbor
from dockwise.server import fleet_api as fleet_routes
from dockwise.server.gate import Gate, Limits
from dockwise.server.guard import Guard
from dockwise.server.queued import QueuedScans
from dockwise.server.scans import Scans


@dataclass(frozen=True, slots=True)
class Settings:
    """What the routes share: the store, the database, who may be pulled from."""

    fleet: Fleet
    db: Path
    guard: Guard

    def db_built(self) -> str:
        """When the current vulnerability database was built (Harbor shows it)."""
        with fleet_api.open_advisories(self.db) as advisories:
            return advisories.meta.get("built", "")


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


async def _bad_request(request: Request, exc: Exception) -> Response:
    """A fleet question the store cannot answer is 404; any other dockwise error 400:
    one line, never a traceback."""
    status = 404 if isinstance(exc, FleetError) else 400
    return JSONResponse({"error": {"message": str(exc).splitlines()[0]}}, status)


def create_app(settings: Settings, scans: Scans | QueuedScans, limits: Limits) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        scans.close()

    app = Starlette(
        routes=[Route("/healthz", healthz), *harbor.ROUTES, *fleet_routes.ROUTES,
                *dashboard.ROUTES],
        middleware=[Middleware(Gate, limits=limits)],
        exception_handlers={DockwiseError: _bad_request},
        lifespan=lifespan,
    )  # fmt: skip
    app.state.settings, app.state.scans = settings, scans
    return app
