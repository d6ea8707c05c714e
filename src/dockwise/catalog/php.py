"""PHP packages Composer installed, from `vendor/composer/installed.json`.

Format: Composer's installed repository, written by
composer/composer:src/Composer/Repository/FilesystemRepository.php: a JSON list of
package objects (Composer 1) or `{"packages": [...], "dev": ..., "dev-package-names":
[...]}` (Composer 2). `composer.lock` (https://getcomposer.org/doc/01-basic-usage.md
#commit-your-composer-lock-file-to-version-control) holds the same objects under
`packages` and `packages-dev`; it is read only where no vendor tree was installed,
so nothing is counted twice.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package, ScanWarning
from dockwise.untrusted import load_json

INSTALLED = "vendor/composer/installed.json"
MAX_COMPOSER_SIZE = 64 * 1024 * 1024


def composer_purl(name: str, version: str) -> str:
    """`pkg:composer/vendor/name@1.0.0`: the vendor is the namespace."""
    namespace, _, short = name.rpartition("/")
    return PackageURL(
        type="composer", namespace=namespace or None, name=short, version=version or None
    ).to_string()


class ComposerCataloger:
    """Composer's installed.json, and composer.lock where no vendor tree exists."""

    name = "php-composer"
    globs = (f"**/{INSTALLED}", "**/composer.lock")
    reads: tuple[str, ...] = ()
    max_size = MAX_COMPOSER_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        is_lock = file.path.endswith("composer.lock")
        if is_lock and env.tree.entry(_installed_beside(file.path)) is not None:
            return []  # installed.json tells what is really there
        return _parse(file, is_lock)


def _installed_beside(lock_path: str) -> str:
    return posixpath.join(posixpath.dirname(lock_path), INSTALLED)


def _parse(file: File, is_lock: bool) -> Iterator[Package | ScanWarning]:
    try:
        document = load_json(file.content or b"")
    except ValueError as exc:
        yield ScanWarning(str(exc), file.path, file.layer)
        return
    role = "locked" if is_lock else "installed"
    for entry, dev in _entries(document):
        if not isinstance(entry, dict):
            continue
        name, version = entry.get("name"), entry.get("version")
        if isinstance(name, str) and isinstance(version, str) and name and version:
            yield _package(name, version, entry, role, dev)
        else:
            yield ScanWarning("composer package without name or version", file.path, file.layer)


def _entries(document: object) -> Iterator[tuple[object, bool]]:
    """(package, is_dev) from the v1 list, the v2 object or a lockfile."""
    if isinstance(document, list):
        yield from ((entry, False) for entry in document)
        return
    if not isinstance(document, dict):
        return
    dev_names = document.get("dev-package-names")
    dev_names = set(dev_names) if isinstance(dev_names, list) else set()
    for key in ("packages", "packages-dev"):
        entries = document.get(key)
        for entry in entries if isinstance(entries, list) else ():
            name = entry.get("name") if isinstance(entry, dict) else None
            yield entry, key == "packages-dev" or name in dev_names


def _package(name: str, version: str, entry: dict, role: str, dev: bool) -> Package:
    license_value = entry.get("license")
    licenses = license_value if isinstance(license_value, list) else [license_value]
    metadata = {"role": role, "dev": "true" if dev else ""}
    return Package(
        name=name,
        version=version,
        type="composer",
        purl=composer_purl(name, version),
        licenses=tuple(x for x in licenses if isinstance(x, str) and x),
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
        found_as="declared" if role == "locked" else "installed",
    )
