"""Declared Maven packages from pom.xml: parents, properties, dependency management."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import expected, pkgdb_cases
from declared_corpus import declared_params, declared_tree, maven_pairs

from dockwise.catalog import catalog
from dockwise.catalog.maven_pom import MavenPomCataloger
from dockwise.source.filetree import FileTree

POM = (MavenPomCataloger(),)
DISPLAY_NAME = (
    "syft's test reads the project's own display name (<name>), not its dependencies; "
    "test_project_version_as_syft checks the project (relationship=root) here"
)
KNOWN = {
    "syft__cataloger-java__pom_commons-codec.pom.xml": DISPLAY_NAME,
    "syft__cataloger-java__pom_neo4j-license-maven-plugin.pom.xml": DISPLAY_NAME,
    "syft__cataloger-java__maven_testdata_local_contains-child-1": (
        "the peer's expected list is another test's (loose extraction): not comparable; "
        "test_parents_from_local_repository reads these poms against Maven's own output"
    ),
}
REPO = next(c for c in pkgdb_cases("java") if c.name.endswith("maven-repo")) / "input/maven-repo"


def place(name: str, data: bytes) -> str | None:
    """A project file, however the fixture is named; a local repository's `*.pom` files
    alone declare nothing."""
    if name.endswith(".pom"):
        return None
    if name.endswith("pom.xml") or (b"<project" in data and b"<modelVersion>" in data):
        return "pom.xml"
    return None


@pytest.mark.parametrize("case", declared_params("java", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    """Peers list the dependencies; the project itself (`relationship=root`) is ours."""
    tree = declared_tree(case, place)
    assert tree is not None
    got = {(p.name, p.version) for p in catalog(tree, POM).packages
           if ("relationship", "root") not in p.metadata}  # fmt: skip
    assert got == maven_pairs(case)


@pytest.mark.parametrize("fixture", ["commons-codec", "neo4j-license-maven-plugin"])
def test_project_version_as_syft(fixture: str) -> None:
    case = next(c for c in pkgdb_cases("java") if c.name.endswith(f"{fixture}.pom.xml"))
    tree = FileTree.from_files({"app/pom.xml": next(case.glob("input/*")).read_bytes()})
    roots = [p for p in catalog(tree, POM).packages if ("relationship", "root") in p.metadata]
    assert [p.version for p in roots] == [expected(case)["packages"][0]["version"]]


def repository(prefix: str = "root/.m2/repository/") -> dict[str, bytes]:
    return {prefix + p.relative_to(REPO).as_posix(): p.read_bytes() for p in REPO.rglob("*.pom")}


def packages(files: dict[str, bytes]) -> dict[str, tuple[str, dict[str, str]]]:
    inventory = catalog(FileTree.from_files(files), POM)
    assert inventory.warnings == ()
    return {p.name: (p.version, dict(p.metadata)) for p in inventory.packages}


def test_parents_from_local_repository() -> None:
    """child-one's parents are in the repository; its comment keeps what `mvn
    dependency:tree` printed for it: lang3 3.12.0, text 1.12.0, collections4 4.2, junit
    4.12 (test), each version from another level of the parent chain."""
    child = (REPO / "my/org/child-one/1.3.6/child-one-1.3.6.pom").read_bytes()
    assert packages({**repository(), "src/pom.xml": child}) == {
        "my.org:child-one": ("1.3.6", {"relationship": "root"}),
        "org.apache.commons:commons-lang3": ("3.12.0", {}),
        "org.apache.commons:commons-text": ("1.12.0", {}),
        "org.apache.commons:commons-collections4": ("4.2", {}),
        "junit:junit": ("4.12", {"dev": "true"}),
    }


def test_parent_not_in_the_image_says_so() -> None:
    child = (REPO / "my/org/child-one/1.3.6/child-one-1.3.6.pom").read_bytes()
    found = packages({"src/pom.xml": child})
    assert found["org.apache.commons:commons-lang3"] == (
        "",
        {"unresolved": "managed by my.org:parent-one:3.11.0, not in the image"},
    )
    assert found["my.org:child-one"] == ("", {"relationship": "root",
                                               "unresolved": "${project.one}.3.6: not defined "
                                               "in the image"})  # fmt: skip


MODULE = b"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>com.example</groupId><artifactId>app-parent</artifactId>
    <version>2.0</version></parent>
  <artifactId>web</artifactId>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency>
    <dependency><groupId>javax.servlet</groupId><artifactId>servlet-api</artifactId>
      <version>[2.5,3.0)</version><scope>provided</scope></dependency>
    <dependency><groupId>com.example</groupId><artifactId>extra</artifactId>
      <version>${extra.version}</version><optional>true</optional></dependency>
  </dependencies>
</project>"""
PARENT = b"""<project><groupId>com.example</groupId><artifactId>app-parent</artifactId>
  <version>2.0</version><packaging>pom</packaging>
  <properties><slf4j.version>2.0.9</slf4j.version></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>com.fasterxml.jackson</groupId><artifactId>jackson-bom</artifactId>
      <version>2.15.2</version><type>pom</type><scope>import</scope></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>
      <version>${slf4j.version}</version></dependency>
  </dependencies></dependencyManagement>
</project>"""
BOM = b"""<project><groupId>com.fasterxml.jackson</groupId><artifactId>jackson-bom</artifactId>
  <version>2.15.2</version><dependencyManagement><dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId><version>${project.version}</version></dependency>
  </dependencies></dependencyManagement></project>"""


def test_relative_parent_and_imported_bom() -> None:
    found = packages({
        "srv/app/pom.xml": PARENT,
        "srv/app/web/pom.xml": MODULE,
        "home/dev/.m2/repository/com/fasterxml/jackson/jackson-bom/2.15.2/jackson-bom-2.15.2.pom":
            BOM,
    })  # fmt: skip
    assert found["com.fasterxml.jackson.core:jackson-databind"] == ("2.15.2", {})
    assert found["org.slf4j:slf4j-api"] == ("2.0.9", {})
    assert found["javax.servlet:servlet-api"] == ("", {"constraint": "[2.5,3.0)",
                                                       "scope": "provided"})  # fmt: skip
    assert found["com.example:extra"] == (
        "",
        {"optional": "true", "unresolved": "${extra.version}: not defined in the image"},
    )
    assert found["com.example:web"] == ("2.0", {"relationship": "root"})


def test_bom_not_in_the_image_says_so() -> None:
    found = packages({"srv/app/pom.xml": PARENT, "srv/app/web/pom.xml": MODULE})
    assert found["com.fasterxml.jackson.core:jackson-databind"] == (
        "",
        {"unresolved": "managed by com.fasterxml.jackson:jackson-bom:2.15.2, not in the image"},
    )


def test_purl_and_found_as() -> None:
    tree = FileTree.from_files({"srv/app/pom.xml": PARENT, "srv/app/web/pom.xml": MODULE})
    web = [p for p in catalog(tree, POM).packages if p.location.path == "srv/app/web/pom.xml"]
    slf4j = next(p for p in web if p.name == "org.slf4j:slf4j-api")
    assert slf4j.purl == "pkg:maven/org.slf4j/slf4j-api@2.0.9"
    servlet = next(p for p in web if p.name == "javax.servlet:servlet-api")
    assert servlet.purl == "pkg:maven/javax.servlet/servlet-api"
    assert {(p.found_as, p.found_by) for p in web} == {("declared", "maven-pom")}


def test_hostile_poms() -> None:
    loop = b"<project><groupId>g</groupId><artifactId>a</artifactId><version>${a}</version>"
    loop += b"<properties><a>${b}</a><b>${a}</b></properties></project>"
    cycle = b"<project><parent><groupId>g</groupId><artifactId>c</artifactId><version>1"
    cycle += b"</version><relativePath>pom.xml</relativePath></parent><artifactId>c</artifactId>"
    cycle += b"</project>"
    tree = FileTree.from_files({
        "a/pom.xml": b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "x">]><project/>',
        "b/pom.xml": b"<project><dependencies>",
        "c/pom.xml": b"<project>" * 50_000,
        "d/pom.xml": b"<packages/>",
        "e/pom.xml": loop,
        "f/pom.xml": cycle,
    })  # fmt: skip
    inventory = catalog(tree, POM)
    assert [(p.location.path, p.name, p.version) for p in inventory.packages] == [
        ("e/pom.xml", "g:a", ""),
        ("f/pom.xml", "g:c", "1"),
    ]
    assert [w.path for w in inventory.warnings] == ["a/pom.xml", "b/pom.xml", "c/pom.xml",
                                                    "d/pom.xml"]  # fmt: skip


def test_huge_pom() -> None:
    dependency = "<dependency><groupId>g</groupId><artifactId>a{}</artifactId><version>1"
    dependency += "</version></dependency>"
    body = "".join(dependency.format(i) for i in range(20_000))
    pom = f"<project><dependencies>{body}</dependencies></project>"
    tree = FileTree.from_files({"pom.xml": pom})
    assert len(catalog(tree, POM).packages) == 20_000
