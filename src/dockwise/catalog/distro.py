"""Which OS release the image is: placeholder until the distro detector lands."""

from __future__ import annotations

from dockwise.model import Distro

DISTRO_GLOBS: tuple[str, ...] = ("etc/os-release", "usr/lib/os-release")


def detect_distro(tree) -> Distro | None:  # replaced by the full detector
    return None
