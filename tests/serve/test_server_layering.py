"""The server sits on the public API and the fleet: only `server/api.py` may import
dockwise's lower layers (the reporters), so moving to the public API is one file."""

from corpus import REPO
from fleet.test_fleet_layering import imports, reaching_below

SERVER = REPO / "src" / "dockwise" / "server"
ALLOWED = ("dockwise.server", "dockwise.fleet", "dockwise.errors")


def test_only_the_adapter_reaches_below_the_public_api():
    assert reaching_below(SERVER, ALLOWED) == []


def test_the_check_sees_the_adapter_import():
    assert "dockwise.report" in set(imports(SERVER / "api.py"))
