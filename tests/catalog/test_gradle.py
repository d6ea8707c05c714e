"""Declared Maven packages from Gradle lockfiles and dependency verification metadata."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from declared_corpus import declared_params, maven_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.gradle import GradleCataloger
from dockwise.source.filetree import FileTree

GRADLE = (GradleCataloger(),)
LOCKED_LINE = re.compile(rb"(?m)^\s*[\w.-]+:[\w.-]+:[^=\s]+=")
KNOWN = {
    "scalibr__java-gradleverificationmetadataxml__missing-attribute.xml": (
        "scalibr keeps a component without a group or a name (`:pdfbox`); it names no "
        "Maven coordinate, so we leave it out"
    ),
}


def place(name: str, data: bytes) -> str | None:
    """Fixtures are renamed (`one-pkg`, `happy.lockfile`): tell them by content."""
    if b"<verification-metadata" in data:
        return "gradle/verification-metadata.xml"
    if name.endswith(".toml") and (b"[libraries]" in data or b"[versions]" in data):
        return "gradle/libs.versions.toml"
    if LOCKED_LINE.search(data) or b"\nempty=" in data or data.startswith(b"empty="):
        return "gradle.lockfile"
    return None


@pytest.mark.parametrize("case", declared_params("java", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, GRADLE, str) == maven_pairs(case)


LOCKFILE = b"""# This is a Gradle generated file for dependency locking.
cglib:cglib-nodep:2.1.2=testRuntimeClasspath,classpath
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath
 org.springframework:spring-beans:5.0.5.RELEASE=compileClasspath, runtimeClasspath
 # io.grpc:grpc-api:1.21.1=classpath
not a line
empty=annotationProcessor
"""


def test_lockfile_dev_and_purls() -> None:
    tree = FileTree.from_files({"svc/buildSrc-gradle.lockfile": LOCKFILE})
    found = {p.name: p for p in catalog(tree, GRADLE).packages}
    assert {n: (p.version, dict(p.metadata).get("dev", "")) for n, p in found.items()} == {
        "cglib:cglib-nodep": ("2.1.2", ""),
        "junit:junit": ("4.13.2", "true"),
        "org.springframework:spring-beans": ("5.0.5.RELEASE", ""),
    }
    beans = found["org.springframework:spring-beans"]
    assert beans.purl == "pkg:maven/org.springframework/spring-beans@5.0.5.RELEASE"
    assert dict(beans.metadata)["configurations"] == "compileClasspath,runtimeClasspath"
    assert (beans.found_as, beans.found_by) == ("declared", "gradle-lock")


def test_verification_metadata_without_version() -> None:
    xml = b"""<verification-metadata xmlns="https://schema.gradle.org/dependency-verification">
      <components><component group="g" name="a"/><component group="g" name="a"/>
      <component group="g" name="b" version="1"/></components></verification-metadata>"""
    tree = FileTree.from_files({"app/gradle/verification-metadata.xml": xml})
    packages = catalog(tree, GRADLE).packages
    assert [(p.name, p.version, p.purl) for p in packages] == [
        ("g:a", "", "pkg:maven/g/a"),
        ("g:b", "1", "pkg:maven/g/b@1"),
    ]


def test_hostile_gradle_files() -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaa">]><verification-metadata/>'
    tree = FileTree.from_files(
        {
            "a/gradle/verification-metadata.xml": laughs,
            "b/gradle/verification-metadata.xml": b"<verification-metadata><components>",
            "c/gradle/verification-metadata.xml": b"<a>" * 50_000,
            "d/gradle.lockfile": b"\xff\xfe:::=\n" * 1000 + b"=" * 100_000,
        }
    )
    inventory = catalog(tree, GRADLE)
    assert inventory.packages == ()
    assert [w.path for w in inventory.warnings] == [
        "a/gradle/verification-metadata.xml",
        "b/gradle/verification-metadata.xml",
        "c/gradle/verification-metadata.xml",
    ]
    assert all("invalid XML" in w.message for w in inventory.warnings)


def test_huge_lockfile() -> None:
    lines = "".join(f"g:a{i}:1.0=runtimeClasspath\n" for i in range(50_000))
    tree = FileTree.from_files({"gradle.lockfile": lines})
    assert len(catalog(tree, GRADLE).packages) == 50_000


CATALOG = b"""[versions]
groovy = "3.0.5"
strict = { strictly = "2.0" }
[libraries]
guava = "com.google.guava:guava:30.1.1-jre"
groovy = { module = "org.codehaus.groovy:groovy", version.ref = "groovy" }
strict = { group = "org.example", name = "strict", version.ref = "strict" }
ranged = { module = "org.example:ranged", version = "[1.0,2.0)" }
dynamic = { module = "org.example:dynamic", version = "1.+" }
bare = "org.example:bare"
broken = 42
not-a-module = { module = "just-a-name", version = "1" }
[plugins]
versions = { id = "com.github.ben-manes.versions", version = "0.45.0" }
"""


def test_version_catalog() -> None:
    tree = FileTree.from_files({"app/gradle/libs.versions.toml": CATALOG})
    got = {p.name: (p.version, dict(p.metadata)) for p in catalog(tree, GRADLE).packages}
    assert got == {
        "com.google.guava:guava": ("30.1.1-jre", {}),
        "org.codehaus.groovy:groovy": ("3.0.5", {}),
        "org.example:strict": ("2.0", {}),
        "org.example:ranged": ("", {"constraint": "[1.0,2.0)"}),
        "org.example:dynamic": ("", {"constraint": "1.+"}),
        "org.example:bare": ("", {}),
    }


def test_hostile_version_catalogs() -> None:
    tree = FileTree.from_files({
        "a/gradle/libs.versions.toml": b"[libraries]\nx = { module = ",
        "b/gradle/libs.versions.toml": b"libraries = " + b"[" * 50_000 + b"]" * 50_000,
        "c/gradle/libs.versions.toml": b"\xff\xfe[libraries]",
        "d/gradle/libs.versions.toml": b"libraries = [1, 2]\nversions = 3",
    })  # fmt: skip
    inventory = catalog(tree, GRADLE)
    assert inventory.packages == ()
    assert [w.path.split("/")[0] for w in inventory.warnings] == ["a", "b", "c"]
