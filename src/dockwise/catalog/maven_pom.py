"""Declared Maven packages from a project's `pom.xml`, resolved as far as the image allows.

Format: https://maven.apache.org/pom.html. What Maven builds is the effective POM: the
project's parents (`<parent>`, found by `<relativePath>`, `../pom.xml` by default, or in
a local repository), their `<properties>` and `<dependencies>` inherited, `${...}`
references interpolated in the project's own context, and versions a dependency leaves
out taken from `<dependencyManagement>` (its own, its parents', and the BOMs it imports
with `<scope>import</scope>`). Nothing is fetched: a parent or BOM that is not in the
image (in the tree, or in a local repository such as `~/.m2/repository`, whose poms are
read for this) leaves the versions it would give unresolved, and the package says why
(metadata `unresolved`), as a property nobody defines does; a version range is kept as
`constraint`. The project itself is `relationship=root`; `test` scope is dev. Transitive
dependencies are not resolved (trivy and syft fetch them from a remote repository).
XML is read through defusedxml (declared.py).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_xml,
    local_name,
    unreadable,
)
from dockwise.catalog.java import maven_purl
from dockwise.model import Package, ScanWarning
from dockwise.source.filetree import FileTree, glob_regex

if TYPE_CHECKING:  # annotations only: ElementTree is imported when a file is parsed
    from xml.etree.ElementTree import Element

MAX_POM_SIZE = 8 * 1024 * 1024
LOCAL_REPOSITORY = "**/.m2/repository/**/*.pom"
_REPOSITORY = glob_regex([LOCAL_REPOSITORY])
_PROPERTY = re.compile(r"\$\{([^${}]+)\}")
_MAX_EXPANSIONS = 8  # a property defined through others; deeper is a loop
_MAX_PARENTS = 16  # Maven has no limit; real projects stay far below
_MAX_IMPORT_DEPTH = 4  # a BOM importing a BOM importing ...
_RANGE = re.compile(r"^[\[(].*[\])]$")  # `[1.0,2.0)`, `[1.5]`
_ALIASES = ("project.", "pom.")  # `pom.version` is Maven 2's spelling of `project.version`


@dataclass(frozen=True, slots=True)
class Dependency:
    """One `<dependency>` as written (not yet interpolated)."""

    group: str
    artifact: str
    version: str = ""
    scope: str = ""
    optional: bool = False
    type: str = ""


@dataclass(slots=True)
class Pom:
    """The parts of one POM that decide what gets built."""

    group: str = ""
    artifact: str = ""
    version: str = ""
    parent: tuple[str, str, str] | None = None
    relative_path: str | None = None  # None: the default `../pom.xml`; "": none
    properties: dict[str, str] = field(default_factory=dict)
    managed: list[Dependency] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)


@dataclass(slots=True)
class Effective:
    """A project with what its parents give it, and what could not be found."""

    chain: list[Pom]  # the project first, then each parent found
    properties: dict[str, str]
    missing: str = ""  # `group:artifact:version` of the first parent not in the image


class MavenPomCataloger:
    """Dependencies a Maven project declares, with the versions its build would use."""

    name = "maven-pom"
    globs = ("**/pom.xml",)
    reads = (LOCAL_REPOSITORY,)
    max_size = MAX_POM_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            pom = parse_pom(load_xml(file))
        except ManifestError as exc:
            return [unreadable(file, exc)]
        resolver = Resolver(env.tree)
        return list(pom_packages(resolver.effective(pom, file.path), resolver))


def parse_pom(root: Element) -> Pom:
    """The coordinates, parent, properties and dependencies of a `<project>`."""
    if local_name(root) != "project":
        raise ManifestError("not a Maven <project>")
    parent = _child(root, "parent")
    pom = Pom(_text(root, "groupId"), _text(root, "artifactId"), _text(root, "version"))
    if parent is not None:
        pom.parent = (_text(parent, "groupId"), _text(parent, "artifactId"),
                      _text(parent, "version"))  # fmt: skip
        relative = _child(parent, "relativePath")
        pom.relative_path = None if relative is None else (relative.text or "").strip()
        pom.group = pom.group or pom.parent[0]  # a child inherits its parent's group
        pom.version = pom.version or pom.parent[2]
    properties = _child(root, "properties")
    for prop in properties if properties is not None else ():
        if isinstance(prop.tag, str):
            pom.properties[local_name(prop)] = (prop.text or "").strip()
    pom.managed = _dependencies(_child(root, "dependencyManagement"))
    pom.dependencies = _dependencies(root)
    return pom


class Resolver:
    """Finds parents and imported BOMs in the image: beside the project, or in a local
    Maven repository (`<group path>/<artifact>/<version>/<artifact>-<version>.pom`)."""

    def __init__(self, tree: FileTree) -> None:
        self.tree = tree
        self.repository = _repository_index(tree)

    def effective(self, pom: Pom, path: str) -> Effective:
        """The project and its parents, child first, with the properties they define."""
        chain, missing, seen = [pom], "", {path}
        while chain[-1].parent and len(chain) <= _MAX_PARENTS:
            found = self._parent(chain[-1], path)
            if found is None or found[1] in seen:
                missing = ":".join(chain[-1].parent) if found is None else ""
                break
            path = found[1]
            seen.add(path)
            chain.append(found[0])
        return Effective(chain, _properties(chain), missing)

    def bom(self, coordinates: tuple[str, str, str]) -> Effective | None:
        """An imported BOM from the local repository, with its own parents."""
        path = self.repository.get(coordinates)
        pom = self._load(path) if path else None
        return None if pom is None else self.effective(pom, path or "")

    def _parent(self, pom: Pom, path: str) -> tuple[Pom, str] | None:
        group, artifact, version = pom.parent or ("", "", "")
        relative = "../pom.xml" if pom.relative_path is None else pom.relative_path
        if relative:
            beside = posixpath.normpath(posixpath.join(posixpath.dirname(path), relative))
            beside = beside if beside.endswith(".xml") else f"{beside}/pom.xml"
            found = self._load(beside)
            if found is not None and (found.group, found.artifact) == (group, artifact):
                return found, beside
        stored = self.repository.get((group, artifact, version), "")
        found = self._load(stored) if stored else None
        return None if found is None else (found, stored)

    def _load(self, path: str) -> Pom | None:
        file = self.tree.file(path) if not path.startswith("..") else None
        if file is None or file.content is None:
            return None
        try:
            return parse_pom(load_xml(file))
        except ManifestError:
            return None  # the unreadable file itself is reported where it is parsed


def pom_packages(project: Effective, resolver: Resolver) -> Iterator[Package]:
    """The project itself (`relationship=root`), then its effective dependencies."""
    pom, props = project.chain[0], project.properties
    group, artifact = _expand(pom.group, props), _expand(pom.artifact, props)
    if group and artifact:
        yield _package(group, artifact, _expand(pom.version, props), "no version",
                       relationship="root")  # fmt: skip
    absent = [project.missing] if project.missing else []
    managed = _managed(project, resolver, 0, absent)
    why = f"managed by {absent[0]}, not in the image" if absent else "no version"
    for dependency in _inherited(project.chain, props).values():
        yield _dependency_package(dependency, props, managed, why)


def _dependency_package(
    dependency: Dependency,
    props: dict[str, str],
    managed: dict[tuple[str, str], Dependency],
    why: str,
) -> Package:
    group, artifact = _expand(dependency.group, props), _expand(dependency.artifact, props)
    rule = managed.get((group, artifact))
    version = _expand(dependency.version or (rule.version if rule else ""), props)
    scope = dependency.scope or (rule.scope if rule else "")
    return _package(group, artifact, version, why, dev=scope == "test",
                    scope="" if scope in ("", "compile", "test") else scope,
                    optional="true" if dependency.optional else "")  # fmt: skip


def _package(group: str, artifact: str, version: str, why: str, *, dev: bool = False,
             **meta: str) -> Package:  # fmt: skip
    """A version Maven would use as is, or none: a range is a `constraint`, and a
    version left unresolved says why (`why`, when there is none at all)."""
    exact, constraint, unresolved = version, "", ""
    if "${" in version:
        exact, unresolved = "", f"{version}: not defined in the image"
    elif not version:
        unresolved = why
    elif _RANGE.match(version) or "," in version:
        exact, constraint = "", version
    return declared_package(f"{group}:{artifact}", exact, "maven",
                            maven_purl(group, artifact, exact), dev=dev,
                            constraint=constraint, unresolved=unresolved, **meta)  # fmt: skip


def _inherited(chain: list[Pom], props: dict[str, str]) -> dict[tuple[str, str], Dependency]:
    """Dependencies of the project and its parents; the nearer declaration wins."""
    merged: dict[tuple[str, str], Dependency] = {}
    for pom in reversed(chain):
        for dependency in pom.dependencies:
            merged[(_expand(dependency.group, props), _expand(dependency.artifact, props))] = (
                dependency
            )
    return merged


def _managed(
    project: Effective, resolver: Resolver, depth: int, absent: list[str]
) -> dict[tuple[str, str], Dependency]:
    """`<dependencyManagement>` of the project and its parents (nearer wins), each
    version interpolated in the project's context; imported BOMs fill what is left, and
    those not in the image are added to `absent`."""
    props, merged = project.properties, {}
    imports = []
    for pom in reversed(project.chain):
        for rule in pom.managed:
            key = (_expand(rule.group, props), _expand(rule.artifact, props))
            if rule.scope == "import" and rule.type == "pom":
                imports.append((*key, _expand(rule.version, props)))
            else:
                merged[key] = Dependency(*key, _expand(rule.version, props), rule.scope)
    for coordinates in imports if depth < _MAX_IMPORT_DEPTH else ():
        bom = resolver.bom(coordinates)
        if bom is None or bom.missing:
            absent.append(":".join(coordinates) if bom is None else bom.missing)
        for key, rule in (_managed(bom, resolver, depth + 1, absent) if bom else {}).items():
            merged.setdefault(key, rule)
    return merged


def _properties(chain: list[Pom]) -> dict[str, str]:
    """The model's own values under `project.` and `pom.`, then `<properties>` (the
    project's over its parents'), which Maven consults first. A parent's text is
    interpolated in the child's context: `${project.version}` in a parent is the
    child's version."""
    project = chain[0]
    model = {"groupId": project.group, "artifactId": project.artifact, "version": project.version}
    if project.parent:
        for key, value in zip(("groupId", "artifactId", "version"), project.parent, strict=True):
            model[f"parent.{key}"] = value
    props = {prefix + key: value for prefix in _ALIASES for key, value in model.items()}
    for pom in reversed(chain):
        props.update(pom.properties)
    return props


def _expand(value: str, props: dict[str, str]) -> str:
    """`${name}` replaced by its value; an unknown property is left as written."""
    for _ in range(_MAX_EXPANSIONS):
        expanded = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if expanded == value:
            break
        value = expanded
    return value.strip()


def _repository_index(tree: FileTree) -> dict[tuple[str, str, str], str]:
    """Local repository poms by coordinates, read from their paths."""
    index = {}
    for file in tree.kept(_REPOSITORY):
        parts = file.path.split("/.m2/repository/", 1)[-1].split("/")
        if len(parts) >= 4 and parts[-1] == f"{parts[-3]}-{parts[-2]}.pom":
            index[(".".join(parts[:-3]), parts[-3], parts[-2])] = file.path
    return index


def _dependencies(parent: Element | None) -> list[Dependency]:
    """The `<dependency>` entries of a `<dependencies>` child."""
    block = _child(parent, "dependencies") if parent is not None else None
    out = []
    for element in block if block is not None else ():
        if local_name(element) == "dependency" and _text(element, "artifactId"):
            out.append(Dependency(_text(element, "groupId"), _text(element, "artifactId"),
                                  _text(element, "version"), _text(element, "scope"),
                                  _text(element, "optional") == "true",
                                  _text(element, "type")))  # fmt: skip
    return out


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if local_name(c) == name), None)


def _text(element: Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""
