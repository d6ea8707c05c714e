import dataclasses
import json

import pytest
from spdx_tools.spdx.parser.json.json_parser import parse_from_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from dockwise.errors import ReportError
from dockwise.model import Location
from dockwise.report import render as render_format
from dockwise.report.spdx import (
    IMAGE_ID,
    SpdxJsonReporter,
    document_namespace,
)
from tests.report.conftest import EVIL_NAME, MARKUP


def render(result):
    return SpdxJsonReporter().render(result)


def assert_valid(result, out, tmp_path):
    """Valid once spdx-tools' own JSON parser reads the text (its model, fully checked)."""
    path = tmp_path / "out.spdx.json"
    path.write_text(out, encoding="utf-8")
    assert validate_full_spdx_document(parse_from_file(str(path))) == []


def packages(doc):
    return {p["name"]: p for p in doc["packages"]}


def facts(package):
    (annotation,) = package["annotations"]
    return json.loads(annotation["comment"])


def with_packages(result, *pkgs, **inventory):
    changed = dataclasses.replace(result.inventory, packages=tuple(pkgs), **inventory)
    return dataclasses.replace(result, inventory=changed)


def test_valid_spdx_2_3(result, tmp_path):
    out = render(result)
    assert_valid(result, out, tmp_path)
    doc = json.loads(out)
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["dataLicense"] == "CC0-1.0"
    assert doc["creationInfo"] == {
        "created": "2024-06-01T08:30:00Z",
        "creators": ["Tool: dockwise-0.1.0"],
        "comment": "SBOM type: analyzed",
    }
    assert doc["documentNamespace"] == document_namespace(result)


def test_registered_as_spdx_json(result):
    assert render_format(result, "spdx-json") == render(result)


def test_image_is_described_and_contains_everything(result):
    doc = json.loads(render(result))
    relationships = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in doc["relationships"]
    }
    assert ("SPDXRef-DOCUMENT", "DESCRIBES", IMAGE_ID) in relationships
    contained = {r[2] for r in relationships if r[:2] == (IMAGE_ID, "CONTAINS")}
    assert contained == {p["SPDXID"] for p in doc["packages"]} - {IMAGE_ID}
    assert len(contained) == 7  # the distro and six packages


def test_image_package(result):
    image = packages(json.loads(render(result)))["docker-archive:demo.tar"]
    assert image["primaryPackagePurpose"] == "CONTAINER"
    assert image["versionInfo"] == "sha256:" + "c" * 64
    assert image["checksums"] == [{"algorithm": "SHA256", "checksumValue": "c" * 64}]
    assert (image["downloadLocation"], image["filesAnalyzed"]) == ("NOASSERTION", False)
    assert facts(image)["dockwise:image:repo-tag"] == ["demo:latest"]
    assert facts(image)["dockwise:image:layer"] == ["sha256:" + "1" * 64, "sha256:" + "2" * 64]


def test_distro_is_an_operating_system(result):
    debian = packages(json.loads(render(result)))["debian"]
    assert debian["primaryPackagePurpose"] == "OPERATING_SYSTEM"
    assert debian["versionInfo"] == "12"
    assert debian["description"] == "Debian GNU/Linux 12 (bookworm)"


def test_package_fields(result):
    curl = packages(json.loads(render(result)))["curl"]
    assert curl["versionInfo"] == "7.88.1-10+deb12u5"
    assert curl["externalRefs"] == [
        {
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": (
                "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"
            ),
        }
    ]
    assert curl["licenseDeclared"] == "curl"
    assert curl["supplier"] == "Organization: Debian Maintainers (debian@example.org)"
    assert (curl["downloadLocation"], curl["filesAnalyzed"]) == ("NOASSERTION", False)
    assert facts(curl) == {
        "dockwise:found-by": "dpkg-db",
        "dockwise:layer:diff_id": "sha256:" + "2" * 64,
        "dockwise:layer:index": "1",
        "dockwise:location:path": "var/lib/dpkg/status",
        "dockwise:package:arch": "amd64",
        "dockwise:package:found-as": "installed",
        "dockwise:package:type": "deb",
    }


def test_declared_licenses_are_spdx_and_the_words_are_kept(result):
    """DEP-5's `GPL-2+` is GPL-2.0-or-later; nothing is concluded; the package's own words
    stay in the comment, which the SBOM reader restores exactly."""
    libc = packages(json.loads(render(result)))["libc6"]
    assert libc["licenseDeclared"] == "LGPL-2.1-only AND GPL-2.0-or-later"
    assert libc["licenseConcluded"] == "NOASSERTION"
    assert libc["licenseComments"] == 'declared: ["LGPL-2.1", "GPL-2+"]'


def test_unknown_licenses_are_defined_license_refs(result):
    doc = json.loads(render(result))
    assert packages(doc)["curl"]["licenseDeclared"] == "curl"  # an SPDX id
    odd = dataclasses.replace(result.inventory.packages[0], licenses=("public-domain",))
    inventory = dataclasses.replace(result.inventory, packages=(odd,))
    doc = json.loads(render(dataclasses.replace(result, inventory=inventory)))
    assert packages(doc)[odd.name]["licenseDeclared"] == "LicenseRef-public-domain"
    assert doc["hasExtractedLicensingInfos"] == [{
        "licenseId": "LicenseRef-public-domain", "extractedText": "public-domain",
        "name": "public-domain", "comment": "the license as the package metadata names it",
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("maintainer", "supplier"),
    [
        ("Jane Doe <jane@example.org>", "Person: Jane Doe (jane@example.org)"),
        ("Jane Doe", "Person: Jane Doe"),
        (
            "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
            "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)",
        ),
        ("Alpine Linux Team", "Organization: Alpine Linux Team"),
        ("", "NOASSERTION"),
        ("Jane (work) <jane@example.org>", "Person: Jane (work) (jane@example.org)"),
        ("Jane (work)", "NOASSERTION"),
        ("a <b> <c>", "NOASSERTION"),
        ("evil\x1b[2J <x@y>", "NOASSERTION"),
    ],
    ids=[
        "person",
        "name_only",
        "list",
        "team",
        "empty",
        "parentheses",
        "parentheses_no_email",
        "two_emails",
        "control",
    ],  # fmt: skip
)
def test_supplier_from_maintainer(result, maintainer, supplier, tmp_path):
    pkg = dataclasses.replace(result.inventory.packages[0], maintainer=maintainer)
    changed = with_packages(result, pkg)
    out = render(changed)
    assert_valid(changed, out, tmp_path)
    assert json.loads(out)["packages"][-1].get("supplier") == supplier


def test_duplicates_unusual_names_and_missing_facts_stay_valid(result, tmp_path):
    first, *_ = result.inventory.packages
    odd = dataclasses.replace(
        first, name="@scope/na me+x", purl="not a purl", location=Location(""), licenses=()
    )
    changed = with_packages(result, first, first, odd, distro=None)
    out = render(changed)
    assert_valid(changed, out, tmp_path)
    doc = json.loads(out)
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids)) == 4
    assert ids[2] == ids[1] + "-2"
    odd_out = packages(doc)["@scope/na me+x"]
    assert "externalRefs" not in odd_out
    assert "dockwise:layer:index" not in facts(odd_out)


def test_digest_that_is_not_a_checksum_is_left_out(result, tmp_path):
    image = dataclasses.replace(result.image, manifest_digest="md5:xyz", config_digest="")
    changed = dataclasses.replace(result, image=image)
    out = render(changed)
    assert_valid(changed, out, tmp_path)
    assert "checksums" not in packages(json.loads(out))["docker-archive:demo.tar"]


def test_namespace_follows_the_result(result):
    later = dataclasses.replace(result, generated="2024-06-02T00:00:00+00:00")
    assert document_namespace(result) == document_namespace(dataclasses.replace(result))
    assert document_namespace(result) != document_namespace(later)
    assert document_namespace(result).startswith(
        "https://github.com/dockwise/spdx/docker-archive-demo.tar-"
    )


def test_invalid_generated_time_is_a_report_error(result):
    with pytest.raises(ReportError, match="invalid generated timestamp"):
        render(dataclasses.replace(result, generated="yesterday"))


def test_deterministic(result):
    assert render(result) == render(dataclasses.replace(result))


def test_hostile_strings_are_escaped_not_lost(result):
    out = render(result)
    assert out.isascii()
    assert "\x1b" not in out
    doc = json.loads(out)
    evil = packages(doc)[EVIL_NAME]
    assert evil["versionInfo"] == "1.0\x1b[31m"
    assert evil["supplier"] == f"Person: {MARKUP}"


def test_golden(result, golden, tmp_path):
    out = render(result)
    assert_valid(result, out, tmp_path)
    golden("spdx.json", out)


def test_thousands_of_packages_render_in_linear_time(result):
    """spdx-tools' own converter is quadratic in annotations (80 s for 3,000 packages)."""
    first = result.inventory.packages[0]
    many = [
        dataclasses.replace(first, name=f"p{i}", purl=f"pkg:deb/debian/p{i}@1") for i in range(3000)
    ]
    doc = json.loads(render(with_packages(result, *many)))
    assert all(len(p.get("annotations", [])) == 1 for p in doc["packages"][2:])
