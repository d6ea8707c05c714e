"""The test image read from every kind of registry and daemon, and what to compare."""

from __future__ import annotations

import json

from tools.imagepack import ImageSpec

DPKG_STATUS = """\
Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u4

"""


def spec(architecture: str = "amd64", variant: str = "") -> ImageSpec:
    """A small Debian-like image with two dpkg packages and a file in a second layer."""
    return ImageSpec(
        layers=[
            {"etc/os-release": "ID=debian\nVERSION_ID=12\n", "var/lib/dpkg/status": DPKG_STATUS},
            {"usr/share/doc/app/README": "app\n"},
        ],
        history=["debootstrap", "COPY app"],
        architecture=architecture,
        variant=variant,
    )


def inventory(report: str) -> dict:
    """The parts of a JSON SBOM that must not depend on where the image came from."""
    doc = json.loads(report)
    return {"distro": doc["distro"], "packages": doc["packages"]}
