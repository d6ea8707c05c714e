"""Language packages that an OS package installed, e.g. Debian's python3-requests.

Such a package is still reported, once, with `owned_by` naming the OS package: its
files belong to the distro, so its fixes come from the distro's advisories, not PyPI's.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Sequence

from dockwise.model import OS_PACKAGE_TYPES, Package

# Package types whose `files` come from a system package manager's database (opkg too).
OS_TYPES = OS_PACKAGE_TYPES | {"opkg"}


def mark_owned(packages: Sequence[Package]) -> tuple[Package, ...]:
    """Set `owned_by` on non-OS packages whose metadata file an OS package lists.

    The metadata file's folder counts too: dpkg lists
    `usr/lib/python3/dist-packages/requests-2.28.1.egg-info` itself, and a
    `.dist-info/METADATA` or `node_modules/x/package.json` sits inside its folder.
    """
    owners = _owners(packages)
    if not owners:
        return tuple(packages)
    return tuple(_marked(p, owners) for p in packages)


def _owners(packages: Sequence[Package]) -> dict[str, str]:
    """Path to the key of the OS package that lists it; the first claimant wins."""
    owners: dict[str, str] = {}
    for package in packages:
        if package.type in OS_TYPES:
            for path in package.files:
                owners.setdefault(path.strip("/"), package.key)
    return owners


def _marked(package: Package, owners: dict[str, str]) -> Package:
    if package.type in OS_TYPES or package.owned_by:
        return package
    path = package.location.path
    owner = owners.get(path) or owners.get(posixpath.dirname(path))
    return dataclasses.replace(package, owned_by=owner) if owner else package
