"""Language packages an OS package installed are reported once, with their owner."""

from __future__ import annotations

from dockwise.catalog import catalog
from dockwise.catalog.dpkg import DpkgCataloger
from dockwise.catalog.npm import NpmPackageCataloger
from dockwise.catalog.ownership import mark_owned
from dockwise.catalog.python import PythonInstalledCataloger
from dockwise.model import Location, Package
from dockwise.source.filetree import FileTree

DIST = "usr/lib/python3/dist-packages"
STATUS = (
    "Package: python3-requests\nStatus: install ok installed\nVersion: 2.28.1+dfsg-1\n"
    "Architecture: all\n\n"
    "Package: node-ms\nStatus: install ok installed\nVersion: 2.1.3+~cs0.7.31-3\n"
    "Architecture: all\n"
)


def test_debian_python_and_node_packages_are_owned() -> None:
    tree = FileTree.from_files(
        {
            "var/lib/dpkg/status": STATUS,
            "var/lib/dpkg/info/python3-requests.list": (
                f"/{DIST}/requests-2.28.1.egg-info\n/{DIST}/requests-2.28.1.egg-info/PKG-INFO\n"
            ),
            "var/lib/dpkg/info/node-ms.list": "/usr/share/nodejs/ms\n",
            f"{DIST}/requests-2.28.1.egg-info/PKG-INFO": "Name: requests\nVersion: 2.28.1\n",
            "usr/share/nodejs/ms/package.json": '{"name": "ms", "version": "2.1.3"}',
            "usr/local/lib/python3.11/dist-packages/six-1.16.0.dist-info/METADATA": (
                "Name: six\nVersion: 1.16.0\n"
            ),
        }
    )
    cats = [DpkgCataloger(), PythonInstalledCataloger(), NpmPackageCataloger()]
    packages = catalog(tree, cats).packages
    owned = {p.name: p.owned_by for p in packages if p.type != "deb"}
    assert owned["requests"].startswith("pkg:deb/debian/python3-requests@")
    assert owned["ms"].startswith("pkg:deb/debian/node-ms@")
    assert owned["six"] == ""  # pip-installed: nobody owns it
    assert len(packages) == 5  # reported once each, OS and language packages alike


def test_mark_owned_without_os_packages_is_identity() -> None:
    pkg = Package("a", "1", "pypi", location=Location("x/METADATA"))
    assert mark_owned([pkg]) == (pkg,)


def test_file_path_itself_owned() -> None:
    deb = Package("python3-x", "1", "deb", files=("usr/lib/python3/dist-packages/x.egg-info",))
    egg = Package("x", "1", "pypi", location=Location("usr/lib/python3/dist-packages/x.egg-info"))
    assert mark_owned([deb, egg])[1].owned_by == deb.key
