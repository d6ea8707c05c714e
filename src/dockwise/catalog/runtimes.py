"""Language runtimes and vendored libraries, found from their own files.

An interpreter copied into /usr/local or /opt has no package manager to ask; one a
distro installed is reported too, and the ownership pass (catalog.ownership) sets
`owned_by`. Later checks use these for end of life and vendored-copy vulnerabilities.
Type "runtime"; purls are `pkg:generic/<name>@<version>` (the purl spec has no type
for interpreters or for a library copied into a binary).

Sources: version banners the ELF analyzer found (OpenSSL, BusyBox, Python, Node.js,
Ruby), a JDK's `release` file (JEP 223 / `make/ReleaseFile.gmk` in OpenJDK), and a Go
toolchain's `VERSION` file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package

_RELEASE_LINE = re.compile(r'^([A-Z_]+)="?(.*?)"?\s*$', re.MULTILINE)
_GO_VERSION = re.compile(r"go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)")
# a binary that loads these libraries gets its banner from them, not a copy of its own
_SHARED_FROM = {"openssl": ("libcrypto.", "libssl.")}


class RuntimeCataloger:
    """Interpreters, JDKs and vendored libraries, each reported where its files are."""

    name = "runtimes"
    globs = ("**/release", "**/go/VERSION", "**/go-1.*/VERSION")
    reads: tuple[str, ...] = ()
    max_size = 64 * 1024
    facts = ("elf",)

    def parse(self, file: File, env: Environment) -> Iterator[Package]:
        facts = file.facts.get("elf")
        if isinstance(facts, dict):
            yield from binary_runtimes(facts)
        elif file.path.endswith("/release"):
            yield from jvm_release(file.text(), file.path, env)
        elif file.path.endswith("/VERSION"):
            yield from go_toolchain(file.text())


def binary_runtimes(facts: dict) -> Iterator[Package]:
    """One package per banner, unless the banner came from a library it loads."""
    needed = facts.get("needed", ())
    for name, version in sorted(facts.get("versions", {}).items()):
        if any(lib.startswith(_SHARED_FROM.get(name, ())) for lib in needed):
            continue
        yield runtime(name, version, evidence="binary-banner")


def jvm_release(text: str, path: str, env: Environment) -> Iterator[Package]:
    """A JDK or JRE: the `release` file beside its `bin/java`."""
    fields = dict(_RELEASE_LINE.findall(text))
    if "JAVA_VERSION" not in fields:
        return
    version = fields.get("JAVA_RUNTIME_VERSION") or fields.get("FULL_VERSION")
    version = version or fields["JAVA_VERSION"]
    home = path.rsplit("/", 1)[0]
    image_type = fields.get("IMAGE_TYPE", "").lower()
    if not image_type:
        image_type = "jdk" if env.tree.entry(f"{home}/bin/javac") else "jre"
    # Oracle's commercial builds are "jdk"/"jre"; every other build is OpenJDK's
    name = image_type if fields.get("BUILD_TYPE") == "commercial" else "openjdk"
    extra = {
        "implementor": fields.get("IMPLEMENTOR", ""),
        "java_version": fields["JAVA_VERSION"],
        "image_type": image_type,
        "os_arch": fields.get("OS_ARCH", ""),
    }
    yield runtime(name, version, evidence="jdk-release-file", **extra)


def go_toolchain(text: str) -> Iterator[Package]:
    """`go1.21.5` on the first line of a Go installation's VERSION file."""
    match = _GO_VERSION.match(text.strip())
    if match:
        yield runtime("go", match.group(1), evidence="go-version-file")


def runtime(name: str, version: str, **metadata: str) -> Package:
    purl = PackageURL(type="generic", name=name, version=version).to_string()
    meta = tuple(sorted((k, v) for k, v in metadata.items() if v))
    return Package(name, version, "runtime", purl, metadata=meta)
