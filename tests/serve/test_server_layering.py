"""The server sits on the public API and the fleet: only `server/api.py` may import
dockwise's lower layers (the reporters), so moving to the public API is one file."""

from corpus import REPO
from fleet.test_fleet_layering import imports

SERVER = REPO / "src" / "dockwise" / "server"
ALLOWED = ("dockwise.server", "dockwise.fleet", "dockwise.errors")


def test_only_the_adapter_reaches_below_the_public_api():
    offenders = sorted(
        f"{path.relative_to(SERVER)}: {module}"
        for path in SERVER.rglob("*.py") if path.name != "api.py"
        for module in imports(path)
        if module.startswith("dockwise.") and not module.startswith(ALLOWED)
    )  # fmt: skip
    assert offenders == []


def test_the_check_sees_the_adapter_import():
    assert "dockwise.report" in set(imports(SERVER / "api.py"))
