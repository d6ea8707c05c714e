"""Declared Python packages from pip requirements files (`requirements*.txt`).

Format: https://pip.pypa.io/en/stable/reference/requirements-file-format/ . Lines joined
on a trailing backslash, `#` comments (at the start or after whitespace) dropped, each
line a PEP 508 requirement followed by per-requirement options (`--hash`, `-C`, ...) or
a global option (`-r`/`-c` another file, `-e` an editable project, index options).

What pip would install exactly is reported with a version: `==` or `===` one release.
Anything else (a range, a wildcard, a `${VAR}` pip expands at install time, a URL) is
declared without version and the specifier is kept as `constraint`, unless a `-c`
constraints file pins it. `-r` and `-c` files are read inside the image root only,
relative to the including file as pip does; a file this cataloger finds by itself is
read on its own, not again through an include. Environment markers are not evaluated
(the interpreter is not known); they are kept as `marker`. A file whose name says
development or tests (`requirements-dev.txt`, `requirements/test.txt`) marks dev.
"""

from __future__ import annotations

import codecs
import dataclasses
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import ManifestError, declared_package, unreadable
from dockwise.catalog.purls import os_purl
from dockwise.catalog.python import normalize_name
from dockwise.globs import glob_regex
from dockwise.model import Location, Package, ScanWarning
from dockwise.source.filetree import FileTree, normalize

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

MAX_REQUIREMENTS_SIZE = 4 * 1024 * 1024
MAX_INCLUDE_DEPTH = 8  # pip has no limit; a deeper chain is a loop in disguise or hostile
GLOBS = ("**/*requirements*.txt", "**/requirements/*.txt")
# A requirements file inside an installed package is that package's own, not the image's.
_INSTALLED_TREES = re.compile(r"(?:^|/)(?:site-packages|dist-packages|node_modules)/")
_DEV_FILE = re.compile(r"(?:^|[-_.])(?:dev|develop|test|tests|testing)(?:[-_.]|$)")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_COMMENT_LINE = re.compile(r"\s*#")
_ENV_VAR = re.compile(r"\$\{[A-Z0-9_]+\}")  # the only form pip expands
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
# Options followed by a value, as pip's requirements-file parser defines them.
_VALUED = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "--hash", "--global-option", "-C",
    "--config-settings", "--no-binary", "--only-binary", "--trusted-host", "--use-feature",
    "--install-option",
})  # fmt: skip
_LONG = {"--requirement": "-r", "--constraint": "-c", "--editable": "-e"}


class PythonRequirementsCataloger:
    """Packages a pip requirements file asks for."""

    name = "python-requirements"
    globs = GLOBS
    reads = ("**/*constraints*.txt",)  # the usual names of `-c` files
    max_size = MAX_REQUIREMENTS_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if _INSTALLED_TREES.search(file.path):
            return []
        try:
            text = decode(file.content or b"")
        except ManifestError as exc:
            return [unreadable(file, exc)]
        walk = RequirementsWalk(env.tree, file.path)
        walk.read(file.path, text, depth=0, constraints=False)
        return [*walk.packages(), *walk.warnings(file)]


def decode(data: bytes) -> str:
    """Text as pip reads it: a BOM decides the encoding (UTF-16 files exist), else UTF-8."""
    try:
        for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                           (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
            if data.startswith(bom):
                return data.decode(codec)
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError("not UTF-8 text") from exc


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with continuations joined and comments removed."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        is_comment = _COMMENT_LINE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            start = start if pending else number
            pending.append(line[:-1])
            continue
        if pending:  # a comment line ends a continuation, as in pip
            line, number, pending = "".join(pending) + (" " if is_comment else "") + line, start, []
        stripped = _COMMENT.sub("", line).strip()
        if stripped:
            yield number, stripped
    if pending:  # a trailing backslash on the last line
        stripped = _COMMENT.sub("", "".join(pending)).strip()
        if stripped:
            yield start, stripped


def split_line(line: str) -> tuple[str, list[tuple[str, str]]]:
    """The requirement text and the (option, value) pairs after it (pip's rule: options
    start at the first word that starts with `-`)."""
    words = line.split()
    first = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    return " ".join(words[:first]), _options(words[first:])


def _options(words: list[str]) -> list[tuple[str, str]]:
    options: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-"):
            continue  # stray text after the options: pip's option parser drops it too
        name, eq, value = word.partition("=")
        if not eq and name[:2] in ("-r", "-c", "-e", "-C") and len(name) > 2:
            name, value = name[:2], name[2:]  # `-rbase.txt`
        elif not eq and name in _VALUED and index < len(words):
            value = words[index]
            index += 1
        options.append((_LONG.get(name, name), value))
    return options


@dataclass(frozen=True, slots=True)
class Declared:
    """One requirement as listed, before constraints files pin it."""

    name: str
    version: str
    path: str  # the file that lists it
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class RequirementsWalk:
    """A requirements file with its `-r` and `-c` files, read inside the image root."""

    tree: FileTree
    root: str  # the file being cataloged
    found: list[Declared] = field(default_factory=list)
    pins: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> version, file
    bad: list[tuple[str, int]] = field(default_factory=list)  # (path, line) not understood
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def read(self, path: str, text: str, *, depth: int, constraints: bool) -> None:
        self.seen.add(path)
        for number, line in logical_lines(text):
            requirement, options = split_line(line)
            if requirement:
                self._requirement(path, number, requirement, options, constraints)
            elif options and options[0][0] in ("-r", "-c"):
                kind, target = options[0]
                self._include(path, target, depth, constraints or kind == "-c")
            elif options and options[0][0] == "-e" and not constraints:
                self._editable(path, options[0][1])

    def packages(self) -> Iterator[Package]:
        """Each requirement once, pinned by a constraints file where it was not."""
        done = set()
        for item in self.found:
            pin, pinned_by = self.pins.get(normalize_name(item.name), ("", ""))
            version = item.version or pin
            meta = dict(item.meta, pinned_by=pinned_by if version and not item.version else "")
            key = (item.path, normalize_name(item.name), version, meta.get("constraint", ""))
            if key not in done:
                done.add(key)
                yield _package(item, version, meta, item.path != self.root)

    def warnings(self, file: File) -> Iterator[ScanWarning]:
        for message in self.problems:
            yield ScanWarning(message, file.path, file.layer)
        if self.bad:
            path, number = self.bad[0]
            where = f"{path}:{number}" if path != self.root else f"line {number}"
            yield ScanWarning(f"{len(self.bad)} line(s) not understood as requirements "
                              f"(first: {where})", file.path, file.layer)  # fmt: skip

    def _requirement(
        self, path: str, number: int, text: str, options: list, constraints: bool
    ) -> None:
        item = parse_requirement(text, path, options)
        if item is None:
            if not _is_location(text):  # an unnamed archive or folder: nothing to identify
                self.bad.append((path, number))
        elif constraints:
            if item.version:
                self.pins.setdefault(normalize_name(item.name), (item.version, path))
        else:
            self.found.append(item)

    def _editable(self, path: str, target: str) -> None:
        """`-e git+https://...#egg=name`; a local folder is the project itself: skipped."""
        match = _EGG.search(target)
        if match and "://" in target:
            meta = {"source": target.split("#", 1)[0], "editable": "true"}
            self.found.append(Declared(match.group(1), "", path, tuple(sorted(meta.items()))))

    def _include(self, path: str, target: str, depth: int, constraints: bool) -> None:
        if "://" in target:
            return  # a remote file: not in the image
        base = "" if target.startswith("/") else posixpath.dirname(path)
        clean = normalize(posixpath.join(base, target.lstrip("/")))
        if clean is None:
            self.problems.append(f"include {target!r} leaves the image root: not read")
            return
        real = self.tree.resolve(clean)
        if real is None or self.tree.file(real) is None:
            self.problems.append(f"include {target!r} not found in the image")
            return
        self._read_include(real, target, depth, constraints)

    def _read_include(self, real: str, target: str, depth: int, constraints: bool) -> None:
        if real in self.seen or (not constraints and glob_regex(GLOBS).match(real)):
            return  # a cycle, or a file cataloged on its own
        if depth + 1 > MAX_INCLUDE_DEPTH:
            self.problems.append(f"include {target!r} nested deeper than {MAX_INCLUDE_DEPTH}")
            return
        file = self.tree.file(real)
        if file is None or file.content is None:
            self.problems.append(f"include {target!r} ({real}) not read: not a file name "
                                 "this cataloger keeps")  # fmt: skip
            return
        try:
            text = decode(file.content)
        except ManifestError as exc:
            self.problems.append(f"include {target!r}: {exc}")
            return
        self.read(real, text, depth=depth + 1, constraints=constraints)


def parse_requirement(text: str, path: str, options: list) -> Declared | None:
    """One requirement line; None when it names no package pip could identify."""
    # imported on first use: 25 ms of every `sbom`, where most images have no requirements
    from packaging.requirements import InvalidRequirement, Requirement

    hashes = ",".join(value for option, value in options if option == "--hash" and value)
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return _unparsed(text, path, hashes)
    version = _pin(requirement.specifier)
    meta = {
        "constraint": "" if version else str(requirement.specifier),
        "extras": ",".join(sorted(requirement.extras)),
        "marker": str(requirement.marker or ""),
        "source": requirement.url or "",
        "hashes": hashes,
    }
    return Declared(requirement.name, version, path, _meta(meta))


def _unparsed(text: str, path: str, hashes: str) -> Declared | None:
    """A `${VAR}` pip expands at install time, or an archive named by URL or path."""
    name = _NAME.match(text)
    if _ENV_VAR.search(text) and name:
        meta = {"constraint": text[name.end() :].strip(), "hashes": hashes}
        return Declared(name.group(0), "", path, _meta(meta))
    if not _is_location(text):
        return None
    return _archive(text, path, hashes)


def _archive(text: str, path: str, hashes: str) -> Declared | None:
    """`https://host/pkg-1.0-py3-none-any.whl`, `./dist/pkg-1.0.tar.gz`, `...#egg=pkg`."""
    location = text.split(";", 1)[0].strip()
    meta = {"source": location.split("#", 1)[0], "hashes": hashes}
    egg = _EGG.search(location)
    if egg:
        return Declared(egg.group(1), "", path, _meta(meta))
    from packaging.utils import (  # on first use, as in parse_requirement
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    filename = posixpath.basename(location.split("#", 1)[0].split("?", 1)[0])
    try:
        if filename.endswith(".whl"):
            name, version, *_ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return Declared(str(name), str(version), path, _meta(meta))


def _pin(specifier: SpecifierSet) -> str:
    """The release pip installs: `==` or `===` one version, no wildcard."""
    specs = list(specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return ""


def _is_location(text: str) -> bool:
    return (
        "://" in text or text.startswith((".", "/")) or text.endswith((".whl", ".zip", ".tar.gz"))
    )


def _meta(meta: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in meta.items() if v))


def pypi_package(name: str, version: str, meta: dict[str, str], *, dev: bool) -> Package:
    """A declared PyPI package; with a version, any constraint is moot."""
    if version:
        meta.pop("constraint", None)
    purl = os_purl("pypi", "", normalize_name(name), version)
    return declared_package(name, version, "pypi", purl, dev=dev, **meta)


def dev_name(name: str) -> bool:
    """A file, extra or group whose name says development or tests."""
    return _DEV_FILE.search(name) is not None


def _package(item: Declared, version: str, meta: dict[str, str], included: bool) -> Package:
    package = pypi_package(item.name, version, meta, dev=dev_name(posixpath.basename(item.path)))
    if included:  # evidence is the file that lists it, not the one that includes it
        return dataclasses.replace(package, location=Location(item.path))
    return package
