"""dockwise: vet a container image from its own bytes.

The Python API (docs/python-api.md)::

    import dockwise

    result = dockwise.scan("docker-archive:app.tar", ignore_file=".dockwiseignore.yaml")
    inventory = dockwise.sbom("registry:python:3.12-slim", platform="linux/arm64")
    change = dockwise.diff("release-1.4.json", result)
    saved = dockwise.load_result("release-1.4.json")

The functions are loaded on first use (`dockwise.api`), so `import dockwise` and
`dockwise --version` stay as cheap as the version string.
"""

from __future__ import annotations

from dockwise.version import __version__

__all__ = ["__version__", "diff", "load_result", "sbom", "scan"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (14 ms)
if TYPE_CHECKING:
    from dockwise.api import diff, load_result, sbom, scan

_API = frozenset({"diff", "load_result", "sbom", "scan"})


def __getattr__(name: str) -> object:
    """The API's functions, imported when first asked for (PEP 562)."""
    if name in _API:
        from dockwise import api

        return getattr(api, name)
    raise AttributeError(f"module 'dockwise' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
