"""Maven coordinates from the evidence inside a Java archive.

Evidence, best first: `pom.properties` (written by Maven itself), the manifest's
Implementation-/Bundle-/Specification- fields (written by many build tools, often
badly), and the archive's file name (`name-1.2.3.jar`). A coordinate missing from
one source is filled from the next, and each artifact says which source named it.

pom.properties is a java.util.Properties file; MANIFEST.MF follows the JAR File
Specification: https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html
"""

from __future__ import annotations

import re

_VALID_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
_DOMAIN = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
_VERSION = re.compile(r"\d[\w.\-+]*\Z")
# one version, maybe with a qualifier: `2.11.0`, `5.3.26.RELEASE`, `1.0-SNAPSHOT`, `32.0-jre`
_PLAIN_VERSION = re.compile(r"\d+(?:\.\d+)*(?:[-_.]?[A-Za-z][A-Za-z0-9_.]*)?")
_FILE_NAME = re.compile(r"(?P<name>.+?)-(?P<version>\d[\w.\-+]*?)\.[a-z]+\Z", re.IGNORECASE)
_ARTIFACT_KEYS = ("Implementation-Title", "Specification-Title", "Bundle-Name", "Short-Name",
                  "Extension-Name")  # fmt: skip
_GROUP_KEYS = ("Implementation-Vendor-Id", "Bundle-SymbolicName", "Extension-Name",
               "Implementation-Title", "Automatic-Module-Name")  # fmt: skip
_VERSION_KEYS = ("Implementation-Version", "Bundle-Version", "Specification-Version",
                 "Plugin-Version")  # fmt: skip
# Artifacts whose manifests name no usable group (or a wrong one): the group that
# Maven Central publishes them under.
_KNOWN_GROUPS = (
    (re.compile(r"spring-(?!boot)"), "org.springframework"),
    (re.compile(r"spring-boot"), "org.springframework.boot"),
    (re.compile(r"axis\Z"), "org.apache.axis"),
    (re.compile(r"log4j\Z"), "log4j"),
    (re.compile(r"log4j-"), "org.apache.logging.log4j"),
    # the bundles say com.google.inject.<extension>; Central has com.google.inject.extensions
    (re.compile(r"guice-(?!bom)"), "com.google.inject.extensions"),
)


def parse_pom_properties(text: str) -> dict[str, str]:
    """`key=value` lines (also `key: value`); comments start with # or !."""
    props = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=len(line))
        props[line[:cut].strip()] = line[cut + 1 :].strip()
    if not props.get("artifactId") or not props.get("version"):
        return {}
    return props


def parse_manifest(text: str) -> dict[str, str]:
    """Main-section attributes, then any missing ones from the per-entry sections.

    Old Ant-built jars put Implementation-Version in a package's section only.
    Continuation lines start with one space.
    """
    main: dict[str, str] = {}
    extra: dict[str, str] = {}
    target, key = main, ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            target, key = extra, ""
        elif line.startswith(" ") and key:
            target[key] += line[1:]
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            target.setdefault(key, value.strip())
    main.pop("Name", None)  # not a main attribute: it opens a per-entry section
    extra.pop("Name", None)
    return {**extra, **main}


def identify(file_name: str, poms: list[dict[str, str]], manifest: dict[str, str]) -> list[dict]:
    """The archive's own artifact first (if any evidence names it), then embedded ones."""
    own, embedded = _split_poms(file_name, poms)
    artifacts = []
    self_artifact = _from_pom(own, "pom.properties") if own else _guess(file_name, manifest)
    if self_artifact:
        artifacts.append(self_artifact)
    for pom in embedded:
        artifact = _from_pom(pom, "pom.properties")
        artifact["embedded"] = True
        artifacts.append(artifact)
    return artifacts


def _split_poms(file_name: str, poms: list[dict[str, str]]) -> tuple[dict | None, list[dict]]:
    """Which pom.properties describes the archive itself: the one its name starts with,
    or the only one; the others were shaded into it."""
    if len(poms) == 1:
        return poms[0], []
    base = file_name.lower()
    own = next((p for p in poms if base.startswith(p["artifactId"].lower() + "-")), None)
    return own, [p for p in poms if p is not own]


def _from_pom(pom: dict[str, str], evidence: str) -> dict:
    group = pom.get("groupId") or pom["artifactId"]
    return {"group": group, "artifact": pom["artifactId"], "version": pom["version"],
            "evidence": evidence}  # fmt: skip


def _guess(file_name: str, manifest: dict[str, str]) -> dict | None:
    """A file name that carries a version (`javax.inject-1.jar`) names the artifact, as
    in syft and scalibr: manifest titles are often display names or OSGi bundle names,
    not Maven coordinates. Else the manifest, else the bare file name; the group comes
    from the manifest either way. None when nothing names it."""
    artifact, version, evidence = _versioned_file_name(file_name)
    if not artifact:
        artifact, version, evidence = _manifest_artifact(manifest)
    if not artifact:
        artifact, version, evidence = _file_name_artifact(file_name, manifest)
    if not artifact or (evidence == "file-name" and not version):
        return None  # `app.war` alone names nothing worth matching
    group = _known_group(artifact) or _manifest_group(manifest)
    if not group:
        group = artifact.rsplit(".", 1)[0] if evidence == "file-name" else artifact
    return {"group": group, "artifact": artifact, "version": version, "evidence": evidence}


def _manifest_artifact(manifest: dict[str, str]) -> tuple[str, str, str]:
    version = _manifest_version(manifest)
    for key in _ARTIFACT_KEYS:
        if _valid_id(manifest.get(key, "")):
            return manifest[key], version, "manifest"
    symbolic = manifest.get("Bundle-SymbolicName", "").split(";", 1)[0].strip()
    if _valid_id(symbolic):
        return symbolic.rsplit(".", 1)[-1], version, "manifest"
    return "", "", ""


def _versioned_file_name(file_name: str) -> tuple[str, str, str]:
    """`commons-io-2.11.0.jar`: name and version. A name whose split is ambiguous
    (Debian's `log4j-1.2-1.2.17.jar`, `log4j-1.2-api-2.17.1.jar`) names nothing here."""
    match = _FILE_NAME.match(file_name)
    if match and _PLAIN_VERSION.fullmatch(match.group("version")):
        return match.group("name"), match.group("version"), "file-name"
    return "", "", ""


def _file_name_artifact(file_name: str, manifest: dict[str, str]) -> tuple[str, str, str]:
    """A name without a version (`app.jar`) takes the manifest's version."""
    stem = file_name.rsplit(".", 1)[0]
    if not _valid_id(stem):
        return "", "", ""
    return stem, _manifest_version(manifest), "file-name"


def _manifest_version(manifest: dict[str, str]) -> str:
    """The first version-like word: `1.4 1855 April 22 2006` is version 1.4."""
    for key in _VERSION_KEYS:
        words = manifest.get(key, "").split()
        if words and _VERSION.match(words[0]):
            return words[0]
    return ""


def _manifest_group(manifest: dict[str, str]) -> str:
    for key in _GROUP_KEYS:
        value = manifest.get(key, "").split(";", 1)[0].strip()
        if key == "Implementation-Title":
            match = _DOMAIN.match(value)
            value = match.group(0) if match else ""
        if _valid_id(value) and "." in value:
            return value.lower()
    return ""


def _known_group(artifact: str) -> str:
    return next((group for pattern, group in _KNOWN_GROUPS if pattern.match(artifact)), "")


def _valid_id(value: str) -> bool:
    """Not empty, no spaces, not an unexpanded `${property}` or `%placeholder`."""
    return bool(_VALID_ID.match(value))
