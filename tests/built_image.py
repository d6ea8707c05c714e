"""Helpers for the tests of `dockwise build`: the test archive's packages, a spec written
for it, the build run in-process, and the OCI layout it wrote read back."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

from aptarchive import OS_RELEASE, SUITE, Archive, Deb

from dockwise import cli

COPYRIGHT = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
DEBS = [
    Deb("base-files", "12.4+test1", {
        "etc/os-release": OS_RELEASE, "etc/debian_version": "12.4\n",
        "usr/share/doc/base-files/copyright": COPYRIGHT,
        "usr/share/doc/base-files/README": "documentation, pruned\n",
    }),
    Deb("demo-lib", "1.0-1", {
        "usr/lib/x86_64-linux-gnu/libdemo.so.1": "not really a library\n",
        "usr/share/doc/demo-lib/copyright": COPYRIGHT,
    }),
    Deb("demo-app", "1.0-1", {
        "usr/bin/demo-app": "#!/bin/sh\necho demo\n", "etc/demo-app.conf": "level=1\n",
        "usr/lib/demo-app/plugin": "dropped by 1.1-1\n",
        "usr/share/man/man1/demo-app.1": ".TH DEMO-APP 1\n",
    }, depends="demo-lib (>= 1.0)", conffiles=("etc/demo-app.conf",),
        executables=("usr/bin/demo-app",)),
    Deb("ca-certificates", "20230311", {
        "usr/share/ca-certificates/mozilla/B.crt": "-----BEGIN CERTIFICATE-----\nB\n",
        "usr/share/ca-certificates/mozilla/A.crt": "-----BEGIN CERTIFICATE-----\nA",
    }, architecture="all"),
    Deb("dash", "0.5.12-2", {"bin/dash": "not really a shell\n", "bin/sh": "->dash"},
        executables=("bin/dash",)),
]  # fmt: skip
CVE = "CVE-2099-0001"
TOOL_CVE = "CVE-2099-0002"  # demo-tool's, whose fix needs a new package (patch tests)
INSTALLED = {"base-files": "12.4+test1", "demo-lib": "1.0-1", "demo-app": "1.0-1",
             "ca-certificates": "20230311"}


def write_spec(directory: Path, mirror: str, archive: Archive, *packages: str,
               shell: bool = False, suites: tuple[str, ...] = (SUITE,)) -> Path:  # fmt: skip
    app = directory / "app"
    (app / "conf").mkdir(parents=True, exist_ok=True)
    (app / "conf" / "app.toml").write_text("greeting = 'hi'\n")
    (app / "run").write_text("#!/usr/bin/demo-app\n")
    spec = directory / "image.toml"
    spec.write_text(f"""
[distribution]
name = "debian"
suite = "12"
sources = {json.dumps([f"deb {mirror}/ {suite} main" for suite in suites])}
keyring = "{archive.keyring}"

[packages]
include = {json.dumps(list(packages or ("base-files", "demo-app", "ca-certificates")))}
shell = {str(shell).lower()}

[[files]]
source = "app"
destination = "/srv/app"
owner = "65532:65532"
mode = "0640"

[image]
user = "65532:65532"
workdir = "/srv/app"
entrypoint = ["/usr/bin/demo-app"]
env = {{ TZ = "UTC" }}
ports = ["8080"]
labels = {{ "org.opencontainers.image.title" = "demo" }}
source = "https://example.invalid/demo.git"
revision = "0123456789abcdef"
""")
    return spec


def run_build(spec: Path, output: Path, db: str, *extra: str) -> int:
    report = output.parent / f"{output.name}.report.json"
    return cli.main(["build", str(spec), "--output", str(output), "--db", db, "-q",
                     "-f", "json", "--report", str(report), *extra])  # fmt: skip


class Layout:
    """An OCI layout directory written by `dockwise build`, read back for assertions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = self.json("index.json")

    def json(self, name: str) -> dict:
        return json.loads((self.root / name).read_bytes())

    def blob(self, digest: str) -> bytes:
        return (self.root / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()

    def doc(self, digest: str) -> dict:
        return json.loads(self.blob(digest))

    @property
    def image(self) -> dict:
        return next(m for m in self.index["manifests"] if "artifactType" not in m)

    def artifact(self, artifact_type: str) -> tuple[dict, bytes]:
        entry = next(m for m in self.index["manifests"] if m.get("artifactType") == artifact_type)
        manifest = self.doc(entry["digest"])
        return manifest, self.blob(manifest["layers"][0]["digest"])

    def layer_tar(self, index: int) -> tarfile.TarFile:
        manifest = self.doc(self.image["digest"])
        data = gzip.decompress(self.blob(manifest["layers"][index]["digest"]))
        return tarfile.open(fileobj=io.BytesIO(data))

    def layer_members(self, index: int) -> dict[str, tarfile.TarInfo]:
        with self.layer_tar(index) as tar:
            return {m.name: m for m in tar.getmembers()}

    def layer_file(self, index: int, path: str) -> bytes:
        with self.layer_tar(index) as tar:
            return tar.extractfile(path).read()


