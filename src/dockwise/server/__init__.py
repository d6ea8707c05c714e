"""`dockwise serve`: the Harbor Pluggable Scanner API, the fleet's JSON API and a
server-rendered dashboard, as one Starlette app run by uvicorn (docs/server.md).

It sits on the public API and the fleet (`fleet.queries`, `fleet.pages`); only
`server/api.py` reaches lower (the reporters), as `fleet/api.py` does for the fleet.
"""

from dockwise.errors import DockwiseError


class ServerError(DockwiseError):
    """The server cannot start as configured (a bad token file, a missing database)."""
