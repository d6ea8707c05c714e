"""Node.js packages: installed `package.json` files, and lockfiles where nothing is installed.

Formats: package.json, https://docs.npmjs.com/cli/v10/configuring-npm/package-json;
the node_modules layout npm, yarn and pnpm install,
https://docs.npmjs.com/cli/v10/configuring-npm/folders#node-modules. Lockfile
parsers live in npm_lock.py, yarn_lock.py, pnpm_lock.py and bun_lock.py.

Like Syft, the application's own `package.json` (outside any node_modules) is
reported as a package too, marked with metadata `role=root`: it is the code the
image runs, and vulnerability matching needs its dependencies' parent.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.catalog.bun_lock import parse_bun_lock
from dockwise.catalog.npm_lock import LockEntry, LockfileError, parse_npm_lock
from dockwise.catalog.pnpm_lock import parse_pnpm_lock
from dockwise.catalog.yarn_lock import parse_yarn_lock
from dockwise.model import Package, ScanWarning
from dockwise.untrusted import load_json

# A package's own manifest sits directly in node_modules/<name>/ or node_modules/@scope/<name>/;
# other package.json files in a package (tests, fixtures, "exports" stubs) are not packages.
_INSTALLED = re.compile(r"(?:^|/)node_modules/(?:@[^/]+/)?[^/@.][^/]*/package\.json\Z")
# Debian installs node modules outside node_modules, on node's global search path.
_GLOBAL = re.compile(r"(?:^|/)usr/(?:share|lib)/nodejs/(?:@[^/]+/)?[^/@.][^/]*/package\.json\Z")
MAX_MANIFEST_SIZE = 4 * 1024 * 1024
MAX_LOCKFILE_SIZE = 64 * 1024 * 1024

LOCKFILE_PARSERS: dict[str, Callable[[bytes], list[LockEntry]]] = {
    "package-lock.json": parse_npm_lock,
    "npm-shrinkwrap.json": parse_npm_lock,
    "yarn.lock": parse_yarn_lock,
    "pnpm-lock.yaml": parse_pnpm_lock,
    "bun.lock": parse_bun_lock,
}
# Markers that a package manager installed a tree in a folder (npm 7+, yarn 1, pnpm, berry).
_INSTALL_MARKERS = (".package-lock.json", ".yarn-integrity", ".modules.yaml", ".yarn-state.yml")
# npm's person string `Name <email> (url)`: the url is no supplier, and SPDX cannot
# carry parentheses in an actor name
_AUTHOR_URL = re.compile(r"\s*\([^()]*\)\s*$")


def npm_purl(name: str, version: str) -> str:
    """`pkg:npm/%40scope/name@1.0.0`: the scope is the namespace, its `@` percent-encoded."""
    namespace, _, short = name.rpartition("/")
    if not short:  # "@scope/" or "x/": not a valid npm name; keep it whole rather than fail
        namespace, short = "", name
    return PackageURL(
        type="npm", namespace=namespace or None, name=short, version=version or None
    ).to_string()


class NpmPackageCataloger:
    """Installed packages from their package.json, and the application's own manifest."""

    name = "npm-package"
    globs = ("**/package.json",)
    reads: tuple[str, ...] = ()
    max_size = MAX_MANIFEST_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return _parse_manifest(file)


class NpmLockCataloger:
    """Lockfiles: their packages only where no node_modules tree was installed beside them."""

    name = "npm-lock"
    globs = tuple(f"**/{name}" for name in LOCKFILE_PARSERS)
    reads: tuple[str, ...] = ()
    max_size = MAX_LOCKFILE_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if "/node_modules/" in f"/{file.path}":
            return []  # a published package's own lockfile: npm ignores it, so do we
        try:
            entries = LOCKFILE_PARSERS[posixpath.basename(file.path)](file.content or b"")
        except LockfileError as exc:
            return [ScanWarning(f"unreadable lockfile: {exc}", file.path, file.layer)]
        if _installed_beside(file.path, entries, env):
            return []  # the installed package.json files are the truth; never count twice
        return [_lock_package(entry) for entry in entries]


def _parse_manifest(file: File) -> Iterator[Package | ScanWarning]:
    if "/node_modules/" in f"/{file.path}" and not _INSTALLED.search(file.path):
        return  # a file inside a package, not a package
    try:
        manifest = load_json(file.content or b"")
    except ValueError as exc:
        yield ScanWarning(f"package.json: {exc}", file.path, file.layer)
        return
    if not isinstance(manifest, dict):
        yield ScanWarning("package.json is not a JSON object", file.path, file.layer)
        return
    name, version = manifest.get("name"), manifest.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return  # private app manifests often have neither; nothing to identify
    role = "installed" if _INSTALLED.search(file.path) or _GLOBAL.search(file.path) else "root"
    yield _manifest_package(name, version, manifest, role)


def _manifest_package(name: str, version: str, manifest: dict, role: str) -> Package:
    metadata = {
        "role": role,
        "dependencies": ",".join(sorted(_keys(manifest.get("dependencies")))),
        "private": "true" if manifest.get("private") is True else "",
        "homepage": manifest.get("homepage") if isinstance(manifest.get("homepage"), str) else "",
    }
    return Package(
        name=name,
        version=version,
        type="npm",
        purl=npm_purl(name, version),
        licenses=licenses(manifest),
        maintainer=author(manifest),
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
    )


def author(manifest: dict) -> str:
    """The supplier as `Name <email>`: `author`, else the first of `maintainers`, else of
    `contributors` (many packages, such as jshttp's, name only contributors)."""
    for value in (manifest.get("author"), *_first(manifest, "maintainers", "contributors")):
        person = _person(value)
        if person:
            return person
    return ""


def _first(manifest: dict, *keys: str) -> list:
    return [v[0] for v in (manifest.get(k) for k in keys) if isinstance(v, list) and v]


def _person(value: object) -> str:
    """npm's `Name <email> (url)` string or `{name, email}` object."""
    if isinstance(value, dict):
        name, mail = value.get("name"), value.get("email")
        name = name.strip() if isinstance(name, str) else ""
        mail = mail.strip() if isinstance(mail, str) else ""
        return f"{name} <{mail}>" if name and mail else name or mail
    if isinstance(value, str):
        return _AUTHOR_URL.sub("", value).strip()
    return ""


def licenses(manifest: dict) -> tuple[str, ...]:
    """SPDX `license` string, or the deprecated `{type}` object and `licenses` list."""
    found: list[str] = []
    for value in (manifest.get("license"), manifest.get("licenses")):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("type")
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
    return tuple(dict.fromkeys(found))


def _keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        yield from (str(k) for k in value)


def _installed_beside(lock_path: str, entries: list[LockEntry], env: Environment) -> bool:
    """Whether the lockfile's folder has an installed node_modules tree.

    Checked by path lookups only: an install marker file, the folder itself, or
    any locked package's manifest at its hoisted place.
    """
    modules = posixpath.join(posixpath.dirname(lock_path), "node_modules")
    if env.tree.entry(modules) is not None:
        return True
    if any(env.tree.entry(f"{modules}/{marker}") for marker in _INSTALL_MARKERS):
        return True
    return any(env.tree.entry(f"{modules}/{e.name}/package.json") for e in entries)


def _lock_package(entry: LockEntry) -> Package:
    metadata = {
        "role": "locked",
        "relationship": "local" if entry.local else "",
        "dependencies": ",".join(entry.dependencies),
        "dev": "true" if entry.dev else "",
        "resolved": entry.resolved,
        "integrity": entry.integrity,
    }
    return Package(
        name=entry.name,
        version=entry.version,
        type="npm",
        purl=npm_purl(entry.name, entry.version),
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
        found_as="declared",
    )
