import dataclasses
import json

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise.errors import ReportError
from dockwise.model import Location
from dockwise.report.cyclonedx import CycloneDxJsonReporter, serial_number
from tests.report.conftest import ESC_TITLE, MARKUP


def render(result):
    return CycloneDxJsonReporter().render(result)


def assert_valid(out):
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(out)
    assert errors is None, errors


def props(component):
    return [(p["name"], p["value"]) for p in component.get("properties", [])]


def by_name(doc, name):
    return next(c for c in doc["components"] if c["name"] == name)


def test_valid_cyclonedx_1_6(result):
    out = render(result)
    assert_valid(out)
    doc = json.loads(out)
    assert doc["specVersion"] == "1.6"
    assert doc["serialNumber"] == serial_number(result).urn
    assert doc["metadata"]["timestamp"] == "2024-06-01T08:30:00+00:00"


def test_tool_is_dockwise(result):
    tools = json.loads(render(result))["metadata"]["tools"]["components"]
    assert [(t["name"], t["version"]) for t in tools] == [("dockwise", "0.1.0")]


def test_image_component_carries_run_config(result):
    image = json.loads(render(result))["metadata"]["component"]
    assert (image["type"], image["name"]) == ("container", "docker-archive:demo.tar")
    assert image["version"] == "sha256:" + "c" * 64
    properties = props(image)
    for expected in [
        ("dockwise:config:user", "root"),
        ("dockwise:config:exposed-port", "8080/tcp"),
        ("dockwise:config:entrypoint", '["/docker-entrypoint.sh"]'),
        ("dockwise:config:cmd", '["curl", "--help"]'),
        ("dockwise:config:workdir", "/srv"),
        ("dockwise:config:env", "API_TOKEN=********"),
        ("dockwise:label:org.opencontainers.image.title", ESC_TITLE),
        ("dockwise:label:maintainer", MARKUP),
        ("dockwise:image:created", "2024-05-01T12:00:00Z"),
        ("dockwise:history:1", '/bin/sh -c #(nop)  CMD ["bash"]'),
    ]:
        assert expected in properties


def test_distro_is_an_operating_system(result):
    debian = by_name(json.loads(render(result)), "debian")
    assert (debian["type"], debian["version"]) == ("operating-system", "12")
    assert debian["description"] == "Debian GNU/Linux 12 (bookworm)"


def test_package_components(result):
    doc = json.loads(render(result))
    curl = by_name(doc, "curl")
    assert curl["type"] == "library"
    assert curl["version"] == "7.88.1-10+deb12u5"
    assert curl["purl"] == "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"
    assert curl["publisher"] == "Debian Maintainers <debian@example.org>"
    assert curl["licenses"] == [{"license": {"id": "curl"}}]
    for expected in [
        ("dockwise:layer:index", "1"),
        ("dockwise:layer:diff_id", "sha256:" + "2" * 64),
        ("dockwise:location:path", "var/lib/dpkg/status"),
        ("dockwise:found-by", "dpkg-db"),
        ("dockwise:package:type", "deb"),
    ]:
        assert expected in props(curl)


def test_several_licenses_never_mix_with_an_expression(result):
    libc = by_name(json.loads(render(result)), "libc6")
    # DEP-5's LGPL-2.1 and GPL-2+ are SPDX ids; a name SPDX lacks stays as declared
    assert sorted(lic["license"]["id"] for lic in libc["licenses"]) == [
        "GPL-2.0-or-later", "LGPL-2.1-only"
    ]  # fmt: skip
    pkg = dataclasses.replace(result.inventory.packages[0], licenses=("MIT AND ISC", "Zlib"))
    odd = dataclasses.replace(pkg, name="odd", purl="", licenses=("public-domain", "MIT"))
    inventory = dataclasses.replace(result.inventory, packages=(pkg, odd))
    doc = json.loads(render(dataclasses.replace(result, inventory=inventory)))
    assert by_name(doc, pkg.name)["licenses"] == [{"expression": "(MIT AND ISC) AND Zlib"}]
    odd_licenses = by_name(doc, "odd")["licenses"]
    assert {"license": {"name": "public-domain"}} in odd_licenses
    assert {"license": {"id": "MIT"}} in odd_licenses
    assert_valid(json.dumps(doc))


def test_duplicate_packages_get_unique_bom_refs(result):
    packages = result.inventory.packages
    inventory = dataclasses.replace(result.inventory, packages=packages + packages[:2])
    out = render(dataclasses.replace(result, inventory=inventory))
    assert_valid(out)
    refs = [c["bom-ref"] for c in json.loads(out)["components"]]
    assert len(refs) == len(set(refs)) == len(packages) + 2 + 1  # duplicates and the distro
    assert packages[0].purl + "#2" in refs


def test_image_depends_on_everything(result):
    doc = json.loads(render(result))
    image = next(d for d in doc["dependencies"] if d["ref"] == "dockwise:image")
    assert len(image["dependsOn"]) == 7  # the distro and six packages


def test_no_distro_no_layers_no_purl(result):
    pkg = dataclasses.replace(result.inventory.packages[0], purl="", location=Location(""))
    inventory = dataclasses.replace(result.inventory, distro=None, packages=(pkg,))
    out = render(dataclasses.replace(result, inventory=inventory))
    assert_valid(out)
    component = json.loads(out)["components"][0]
    assert "purl" not in component
    assert "dockwise:layer:index" not in dict(props(component))
    assert component["bom-ref"] == "deb/base-files@12.4+deb12u5"


def test_invalid_generated_time_is_a_report_error(result):
    with pytest.raises(ReportError, match="invalid generated timestamp"):
        render(dataclasses.replace(result, generated="yesterday"))


def test_serial_number_follows_the_result(result):
    later = dataclasses.replace(result, generated="2024-06-02T00:00:00+00:00")
    assert serial_number(result) == serial_number(dataclasses.replace(result))
    assert serial_number(result) != serial_number(later)


def test_deterministic(result):
    assert render(result) == render(result)


def test_hostile_strings_are_escaped_not_lost(result):
    out = render(result)
    assert out.isascii()
    assert "\x1b" not in out
    image = json.loads(out)["metadata"]["component"]
    assert ("dockwise:label:org.opencontainers.image.title", ESC_TITLE) in props(image)


def test_golden(result, golden):
    out = render(result)
    assert_valid(out)
    golden("cyclonedx.json", out)
