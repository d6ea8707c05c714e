"""SBOM conformance from a consumer's side: the SPDX output of an image built in tmp_path
passes `ntia-checker` (PyPI `ntia-conformance-checker`, in the test extra) for the NTIA
minimum elements, and every package's supplier is what the image says."""

from __future__ import annotations

import json
import subprocess
import sysconfig
from pathlib import Path

import pytest

from dockwise.options import Options
from dockwise.pipeline import sbom as run_sbom
from dockwise.report import render
from tools.imagepack import ImageSpec, write_docker_archive

OS_RELEASE = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
STATUS = (
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Version: 2.36-9+deb12u4\nDescription: GNU C Library\n\n"
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
    path = out / "app.spdx.json"
    path.write_text(render(result, "spdx-json"))
    return path


def test_suppliers_are_what_the_image_says(spdx_path):
    doc = json.loads(spdx_path.read_text())
    suppliers = {Path(p["name"]).name: p.get("supplier") for p in doc["packages"]}
    assert suppliers == EXPECTED_SUPPLIERS
    assert doc["creationInfo"]["comment"] == "SBOM type: analyzed"


def test_ntia_minimum_elements(spdx_path):
    # the test extra installs the checker beside this interpreter; PATH may not hold it
    checker = Path(sysconfig.get_path("scripts")) / "ntia-checker"
    if not checker.is_file():
        pytest.fail(f"no {checker}: install the test extra (pip install -e '.[test]')")
    argv = [checker, "-c", "ntia", "-r", "json", str(spdx_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(done.stdout)
    assert report["isConformant"] is True, done.stdout
