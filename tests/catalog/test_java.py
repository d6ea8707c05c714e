"""Java archives: corpus manifests and jars (written here with zipfile), nesting, bombs."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from binary_corpus import binary_cases, names_versions
from binary_image import Member, inventory_of
from corpus import expected, pkgdb_cases

from dockwise.analyze import java as java_analyzer
from dockwise.analyze.maven import parse_pom_properties
from dockwise.catalog.java import JavaArchiveCataloger

CATALOGERS = (JavaArchiveCataloger(),)
MANIFEST_CASES = [c for c in pkgdb_cases("java") if "java-archive" in c.name]
JAR_CASES = binary_cases("java")
NEEDS_SHA1_DB = {"trivy__java-jar__test.jar_2", "trivy__java-jar__heuristic-1.0.0-SNAPSHOT.jar"}


def jar(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def pom(group: str, artifact: str, version: str) -> dict[str, str]:
    path = f"META-INF/maven/{group or artifact}/{artifact}/pom.properties"
    lines = [f"groupId={group}"] if group else []
    return {path: "\n".join([*lines, f"artifactId={artifact}", f"version={version}"]) + "\n"}


def scan(tmp_path, path: str, data: bytes):
    return inventory_of(tmp_path, [[Member(path, data)]], CATALOGERS)


def _jar_name(case) -> str:
    """scalibr wraps the manifest in a jar named after its directory, or the jar it names."""
    doc = expected(case)
    jars = [p for p in doc["notes"].get("other_paths_in_case", []) if p.endswith(".jar")]
    if jars:
        return jars[0].rsplit("/", 1)[-1]
    return doc["source"]["fixture_path"].removesuffix("/MANIFEST.MF").rsplit("/", 1)[-1] + ".jar"


@pytest.mark.parametrize("case", MANIFEST_CASES, ids=lambda c: c.name.split("__")[-1].replace(
    "-", "_").replace(".", "_"))  # fmt: skip
def test_corpus_manifest_case(tmp_path, case):
    manifest = next(case.glob("input/**/MANIFEST.MF")).read_bytes()
    inventory = scan(tmp_path, f"opt/{_jar_name(case)}", jar({"META-INF/MANIFEST.MF": manifest}))
    got = sorted((p.name, p.version) for p in inventory.packages)
    assert got == names_versions(expected(case)["packages"])


def _case_archive(case: dict) -> tuple[str, bytes]:
    """An archive with a pom.properties per asserted package, nested where asserted."""
    outer = case["input_root"].rsplit("/", 1)[-1]
    prefix = case["source"]["fixture_path"].rsplit("/", 2)[-2] + "/" + outer
    files: dict[str, bytes | str] = {}
    for package in case["packages"]:
        group, _, artifact = package["name"].rpartition(":")
        inner = package.get("file_path", prefix).removeprefix(prefix).lstrip("/")
        entries = pom(group, artifact, package["version"])
        files.update(entries if not inner else {inner: jar(entries)})
    return outer, jar(files)


SCALIBR_JARS = {  # what each scalibr jar holds, per its test's description
    "scalibr__java-archive__simple.jar": pom("com.some.package", "package-name", "1.2.3"),
    "scalibr__java-archive__no_pom_properties-2.4.0.jar": {"README": "no metadata"},
    "scalibr__java-archive__org.eclipse.sisu.inject-0.3.5.jar": {"README": "no metadata"},
    "scalibr__java-archive__pom_missing_group_id-2.4.0.jar": pom("", "pom_missing_group_id",
                                                                 "2.4.0"),
}  # fmt: skip


def test_only_sha1_index_cases_are_left_out():
    """The peer identifies these jars by their sha1 in a Maven index; we have none."""
    assert NEEDS_SHA1_DB <= set(JAR_CASES) and len(NEEDS_SHA1_DB) <= 2


@pytest.mark.parametrize(
    "case",
    sorted(set(JAR_CASES) - NEEDS_SHA1_DB),
    ids=lambda c: c.split("__")[-1].replace("-", "_").replace(".", "_"),
)
def test_corpus_jar_case(tmp_path, case):
    if case in SCALIBR_JARS:
        name, data = JAR_CASES[case]["input_root"].rsplit("/", 1)[-1], jar(SCALIBR_JARS[case])
    else:
        name, data = _case_archive(JAR_CASES[case])
    inventory = scan(tmp_path, f"app/{name}", data)
    got = sorted((p.name, p.version) for p in inventory.packages)
    assert got == names_versions(JAR_CASES[case]["packages"])


def test_debian_log4j_shape(tmp_path):
    data = jar({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nBundle-Version: 1.2.17\n",
                **pom("log4j", "log4j", "1.2.17")})  # fmt: skip
    (package,) = scan(tmp_path, "usr/share/java/log4j-1.2-1.2.17.jar", data).packages
    assert package.purl == "pkg:maven/log4j/log4j@1.2.17"
    assert dict(package.metadata)["evidence"] == "pom.properties"
    assert package.location.path == "usr/share/java/log4j-1.2-1.2.17.jar"


def test_shaded_jar_lists_embedded_artifacts(tmp_path):
    data = jar({**pom("com.example", "app", "2.0"), **pom("com.google.guava", "guava", "32.0")})
    packages = scan(tmp_path, "app/app-2.0.jar", data).packages
    meta = {p.name: dict(p.metadata).get("embedded", "") for p in packages}
    assert meta == {"com.example:app": "", "com.google.guava:guava": "true"}


def test_nested_path_and_evidence(tmp_path):
    inner = jar({"META-INF/MANIFEST.MF": "Implementation-Title: lib\nImplementation-Version: 3\n"})
    packages = scan(tmp_path, "srv/app.war", jar({"WEB-INF/lib/lib.jar": inner})).packages
    (package,) = packages
    assert (package.name, package.version) == ("lib:lib", "3")
    assert dict(package.metadata) == {
        "artifact_id": "lib",
        "evidence": "manifest",
        "group_id": "lib",
        "nested_path": "WEB-INF/lib/lib.jar",
    }


def test_nesting_depth_is_bounded(tmp_path):
    data = jar(pom("g", "level5", "5"))
    for level in (4, 3, 2, 1, 0):
        data = jar({**pom("g", f"level{level}", str(level)), f"lib/level{level + 1}.jar": data})
    inventory = scan(tmp_path, "app/level0-0.jar", data)
    assert [p.version for p in inventory.packages] == ["0", "1", "2", "3"]
    assert any("nested deeper than 3" in w.message for w in inventory.warnings)


def test_zip_bomb_is_refused_with_a_warning(tmp_path, monkeypatch):
    """Nested archives inflate past the budget: the scan goes on without them."""
    monkeypatch.setattr(java_analyzer, "MAX_INFLATED", 1 << 20)
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as inner:
        inner.writestr("zeros.bin", b"\0" * (600 << 10))  # deflates ~1000:1 in the outer jar
    data = jar({**pom("g", "victim", "1"), "lib/a-1.jar": stored.getvalue(),
                "lib/b-1.jar": stored.getvalue()})  # fmt: skip
    inventory = scan(tmp_path, "app/victim-1.war", data)
    assert [p.name for p in inventory.packages] == ["a:a", "g:victim"]  # b-1.jar: over budget
    assert any("zip bomb" in w.message for w in inventory.warnings)


def test_entry_count_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(java_analyzer, "MAX_ENTRIES", 50)
    data = jar({f"c/{i}.class": b"" for i in range(60)})
    inventory = scan(tmp_path, "app/many-1.0.jar", data)
    assert inventory.packages == ()
    assert any("over 50 zip entries" in w.message for w in inventory.warnings)


def test_garbage_jar_is_a_warning(tmp_path):
    inventory = scan(tmp_path, "app/broken-1.0.jar", b"PK\x03\x04" + b"\xff" * 200)
    assert inventory.packages == ()
    assert any("not a readable zip" in w.message for w in inventory.warnings)


def test_pom_properties_fields():
    case = next(c for c in pkgdb_cases("java") if c.name.endswith("extra.pom.properties"))
    props = parse_pom_properties(next(case.glob("input/*")).read_text())
    want = expected(case)["packages"][0]  # syft reports the `name` property as the name
    assert (props["name"], props["version"]) == (want["name"], want["version"])
    assert json.dumps(props["groupId"]) == '"org.anchore"'


@pytest.mark.parametrize(
    ("file_name", "manifest", "purl"),
    [
        (  # Central's javax.inject:javax.inject:1, repacked as an OSGi bundle 1.0.0
            "javax.inject-1.jar",
            "Bundle-Name: javax.inject\nBundle-SymbolicName: javax.inject\nBundle-Version: 1.0.0\n",
            "pkg:maven/javax.inject/javax.inject@1",
        ),
        (
            "guice-assistedinject-4.2.3.jar",
            "Bundle-SymbolicName: com.google.inject.assistedinject\nBundle-Version: 4.2.3\n",
            "pkg:maven/com.google.inject.extensions/guice-assistedinject@4.2.3",
        ),
        (  # debian-go's jar: a file name with two versions says nothing; the manifest does
            "log4j-1.2-1.2.17.jar",
            "Bundle-Name: Apache Log4j\nBundle-SymbolicName: org.apache.log4j\n"
            "Bundle-Version: 1.2.17\n",
            "pkg:maven/log4j/log4j@1.2.17",
        ),
    ],
    ids=["javax_inject", "guice_assistedinject", "debian_log4j"],
)
def test_manifest_without_group_id_takes_the_file_name(tmp_path, file_name, manifest, purl):
    """No pom.properties: name and version from the file name as syft does, so the purl
    is Maven Central's coordinate rather than the OSGi bundle's; a file name whose split
    is ambiguous leaves it to the manifest."""
    data = jar({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n" + manifest})
    (package,) = scan(tmp_path, f"usr/share/java/{file_name}", data).packages
    assert package.purl == purl
