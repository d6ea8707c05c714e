"""SBOM conformance from a consumer's side: the SPDX output of an image built in tmp_path
passes `ntia-checker` (PyPI `ntia-conformance-checker`, in the test extra) for the NTIA
minimum elements and what it can of CISA's FSCT3 minimum, every package's supplier and
license is what the image says, and Syft (`syft convert`, in the test extra) reads both
SBOM formats back with every package's name, version and purl.

The real Debian test images are not in the repository (tests build their images);
`bench/check_sbom.py` runs the same checks on them."""

from __future__ import annotations

import json
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest

from dockwise.options import Options
from dockwise.pipeline import sbom as run_sbom
from dockwise.report import render
from dockwise.report.properties import canonical_purl
from tools.imagepack import ImageSpec, write_docker_archive

OS_RELEASE = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = (
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Version: 2.36-9+deb12u4\nDescription: GNU C Library\n\n"
    "Package: libexpat1\nStatus: install ok installed\nArchitecture: amd64\n"
    "Maintainer: Laszlo Boszormenyi (GCS) <gcs@debian.org>\nVersion: 2.5.0-1\n\n"
)
COPYRIGHT = (
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
    "Files: *\nCopyright: 1991-2023 Free Software Foundation, Inc.\nLicense: LGPL-2.1+\n\n"
    "Files: debian/*\nLicense: GPL-2+ or Artistic\n"
)
SITE = "usr/local/lib/python3.11/site-packages"
DIST = "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nAuthor: Kenneth Reitz\n"
DIST_EMAIL = (
    "Metadata-Version: 2.1\nName: Django\nVersion: 4.2\n"
    "Author-email: Django Software Foundation <foundation@djangoproject.com>\n"
)
NPM = {"name": "left-pad", "version": "1.3.0", "author": "azer <azer@roadbeats.com> (http://a)"}
EXPECTED_SUPPLIERS = {
    "libc6": "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)",
    "libexpat1": "Person: Laszlo Boszormenyi (GCS) (gcs@debian.org)",
    "requests": "Person: Kenneth Reitz",
    "Django": "Organization: Django Software Foundation (foundation@djangoproject.com)",
    "left-pad": "Person: azer (azer@roadbeats.com)",
    "debian": "Organization: Debian GNU/Linux",
    "app": "Organization: Example Inc.",
}


@pytest.fixture(scope="module")
def spdx_path(tmp_path_factory) -> Path:
    spec = ImageSpec(
        layers=[{
            "etc/os-release": OS_RELEASE, "var/lib/dpkg/status": STATUS,
            "usr/share/doc/libc6/copyright": COPYRIGHT,
            f"{SITE}/requests-2.31.0.dist-info/METADATA": DIST,
            f"{SITE}/Django-4.2.dist-info/METADATA": DIST_EMAIL,
            "app/node_modules/left-pad/package.json": json.dumps(NPM),
        }],  # fmt: skip
        config={"Labels": {"org.opencontainers.image.vendor": "Example Inc."}},
        history=["build"],
    )
    out = tmp_path_factory.mktemp("conformance")
    write_docker_archive(spec, out / "app")
    result = run_sbom(Options(source=f"docker-archive:{out / 'app'}", quiet=True))
    for name, suffix in FORMATS.items():
        (out / f"app{suffix}").write_text(render(result, name))
    return out / "app.spdx.json"


FORMATS = {"spdx-json": ".spdx.json", "cyclonedx-json": ".cdx.json"}  # tools go by suffix


def test_suppliers_are_what_the_image_says(spdx_path):
    doc = json.loads(spdx_path.read_text())
    suppliers = {Path(p["name"]).name: p.get("supplier") for p in doc["packages"]}
    assert suppliers == EXPECTED_SUPPLIERS
    assert doc["creationInfo"]["comment"] == "SBOM type: analyzed"


def test_licenses_are_declared_from_debian_copyright(spdx_path):
    doc = json.loads(spdx_path.read_text())
    libc = next(p for p in doc["packages"] if p["name"] == "libc6")
    assert libc["licenseDeclared"] == "LGPL-2.1-or-later AND (GPL-2.0-or-later OR Artistic-1.0)"
    assert libc["licenseConcluded"] == "NOASSERTION"  # read, not concluded from the files


def installed(tool: str) -> Path:
    """A tool the test extra installs beside this interpreter; PATH may not hold it."""
    path = Path(sysconfig.get_path("scripts")) / tool
    if not path.is_file():
        pytest.fail(f"no {path}: install the test extra (pip install -e '.[test]')")
    return path


def ntia_checker(spdx_path: Path, standard: str) -> dict:
    argv = [installed("ntia-checker"), "-c", standard, "-r", "json", str(spdx_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    return json.loads(done.stdout)


def test_ntia_minimum_elements(spdx_path):
    report = ntia_checker(spdx_path, "ntia")
    assert report["isConformant"] is True, report


# What FSCT3's minimum asks that this SPDX 2.3 output gives. Not given: concluded
# licenses and copyright texts (dockwise declares what packages say and concludes
# nothing), and the SBOM type, which the checker reads from SPDX 3 only.
FSCT3_GIVEN = (
    "specVersionProvided", "authorNameProvided", "timestampProvided",
    "dependencyRelationshipsProvided", "componentNames", "componentVersions",
    "componentIdentifiers", "componentSuppliers",
)  # fmt: skip


def test_fsct3_minimum_elements_that_spdx_2_3_can_carry(spdx_path):
    report = ntia_checker(spdx_path, "fsct3-min")
    given = {k: v if isinstance(v, bool) else v["allProvided"] for k, v in report.items()
             if k in FSCT3_GIVEN}  # fmt: skip
    assert given == dict.fromkeys(FSCT3_GIVEN, True), report


@pytest.mark.parametrize("name", FORMATS)
def test_syft_reads_every_package_back(spdx_path, name, tmp_path):
    """`syft convert` to its own JSON: every package keeps name, version and purl."""
    source = spdx_path.with_name(f"app{FORMATS[name]}")
    argv = [installed("syft"), "convert", str(source), "-o", "syft-json", "-q"]
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false", "HOME": str(tmp_path)}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, check=True)
    artifacts = json.loads(done.stdout)["artifacts"]
    # syft writes `@(devel)` where the purl spec encodes `%28devel%29`: compare canonical
    back = {(a["name"], a["version"], canonical_purl(a["purl"])) for a in artifacts}
    doc = json.loads(spdx_path.read_text())
    ours = {
        (p["name"], p["versionInfo"], p["externalRefs"][0]["referenceLocator"])
        for p in doc["packages"] if p.get("externalRefs")
    }  # fmt: skip
    assert len(ours) == 5  # two debs, two dists, one npm package
    assert ours <= back
