"""PHP packages the PEAR installer (`pear`, `pecl`) installed, from its registry files.

Format: PEAR's registry (pear/pear-core:PEAR/Registry.php) writes one PHP-serialized
array per package: `.registry/<name>.reg` for the pear.php.net channel and
`.registry/.channel.<channel>/<name>.reg` for the others (pecl.php.net's extensions in
the official PHP images). Version 6 of the format records `channel`; version 5 does
not, and the folder says it. The version is `version.release` and the license
`license._content`, as syft reads them; the purl follows syft's (type `pear`, the
channel as namespace), pending the purl spec's PEAR type (package-url/purl-spec#300).
PHP's serialize format has not changed since PHP 5, so phpserialize (pinned) reads it;
its errors on hostile input, and a nesting deeper than Python's stack, are warnings.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

import phpserialize
from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package, ScanWarning

MAX_REGISTRY_SIZE = 4 * 1024 * 1024  # a package's file list is the bulk of it
_DEFAULT_CHANNEL = "pear.php.net"
_CHANNEL_FOLDER = ".channel."


class PearRegistryCataloger:
    """Packages in a PEAR/PECL installer registry."""

    name = "php-pear"
    globs = ("**/.registry/*.reg", "**/.registry/.channel.*/*.reg")
    reads: tuple[str, ...] = ()
    max_size = MAX_REGISTRY_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            entry = phpserialize.loads(file.content or b"", decode_strings=False)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            message = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
            return [ScanWarning(f"unreadable PEAR registry file: {message}", file.path,
                                file.layer)]  # fmt: skip
        name = _string(entry, b"name")
        if not name:
            return [ScanWarning("PEAR registry file names no package", file.path, file.layer)]
        channel = _string(entry, b"channel") or _folder_channel(file.path)
        return [pear_package(name, _string(entry, b"version", b"release"), channel,
                             _string(entry, b"license", b"_content"))]  # fmt: skip


def pear_package(name: str, version: str, channel: str, license_name: str) -> Package:
    purl = PackageURL(type="pear", namespace=channel, name=name, version=version or None)
    return Package(
        name=name,
        version=version,
        type="pear",
        purl=purl.to_string(),
        licenses=(license_name,) if license_name else (),
        metadata=(("channel", channel),),
    )


def _folder_channel(path: str) -> str:
    """`.channel.pecl.php.net/x.reg` is pecl.php.net; `.registry/x.reg` is PEAR's own."""
    folder = posixpath.basename(posixpath.dirname(path))
    return folder.removeprefix(_CHANNEL_FOLDER) if folder.startswith(_CHANNEL_FOLDER) else (
        _DEFAULT_CHANNEL)  # fmt: skip


def _string(value: object, *keys: bytes) -> str:
    """A string nested under keys, decoded leniently; "" when absent or not a string."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value.decode("utf-8", "replace").strip() if isinstance(value, bytes) else ""
