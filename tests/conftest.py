"""Options shared by the whole suite."""

import shutil

import pytest


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory):
    """Every test run gets its own XDG cache: nothing is written to the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture(scope="session")
def registry_tools() -> None:
    """Tests that drive a real registry fail, never skip, when its tools are missing."""
    assert shutil.which("docker-registry") and shutil.which("skopeo"), (
        "needs docker-registry and skopeo (.ci/run installs them)"
    )
