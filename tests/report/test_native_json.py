import dataclasses
import json

import jsonschema
import pytest

from dockwise.model import Inventory, LayerRef, Location, Package, ScanWarning
from dockwise.model_json import from_json
from dockwise.report.native_json import SCHEMA_ID, NativeJsonReporter, load_schema
from tests.report.conftest import ESC_TITLE, EVIL_NAME


@pytest.fixture(scope="module")
def validator():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def render(result, **kwargs):
    return NativeJsonReporter(**kwargs).render(result)


def test_valid_against_schema(result, validator):
    validator.validate(json.loads(render(result)))


def test_top_level_shape(result):
    doc = json.loads(render(result))
    assert list(doc) == [
        "schema", "tool", "generated", "image", "distro", "packages", "files", "warnings",
        "findings", "answers",
    ]  # fmt: skip
    assert doc["schema"] == SCHEMA_ID == "dockwise-sbom/1"
    assert doc["tool"] == {"name": "dockwise", "version": "0.1.0"}
    assert doc["distro"]["codename"] == "bookworm"


def test_run_config_and_history(result):
    config = json.loads(render(result))["image"]["config"]
    assert config["user"] == ""
    assert config["env"][1] == {"name": "API_TOKEN", "value": "********"}
    assert config["labels"]["org.opencontainers.image.title"] == ESC_TITLE
    assert config["entrypoint"] == ["/docker-entrypoint.sh"]
    history = json.loads(render(result))["image"]["history"]
    assert [h["layer_index"] for h in history] == [0, None, 1]


def test_package_location_and_files_count(result):
    libc = json.loads(render(result))["packages"][1]
    assert libc["location"] == {
        "path": "var/lib/dpkg/status",
        "layer": {"index": 0, "diff_id": "sha256:" + "1" * 64},
    }
    assert libc["found_by"] == "dpkg-db"
    assert libc["files_count"] == 2
    assert "files" not in libc


def test_include_files(result, validator):
    doc = json.loads(render(result, include_files=True))
    validator.validate(doc)
    assert doc["packages"][1]["files"][0] == "lib/x86_64-linux-gnu/libc.so.6"


def test_directory_source_without_layers_or_distro(result, validator):
    pkg = Package("musl", "1.2.4-r2", "apk", location=Location("lib/apk/db/installed"))
    inventory = Inventory(None, (pkg,), (ScanWarning("odd"),))
    image = dataclasses.replace(result.image, scheme="dir", manifest_digest="", layers=())
    doc = json.loads(render(dataclasses.replace(result, image=image, inventory=inventory)))
    validator.validate(doc)
    assert doc["distro"] is None
    assert doc["packages"][0]["location"]["layer"] is None


def test_schema_rejects_unknown_fields(result, validator):
    doc = json.loads(render(result))
    doc["packages"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)


def test_output_is_ascii_but_lossless(result):
    out = render(result)
    assert out.isascii()
    assert "\x1b" not in out
    assert json.loads(out)["packages"][4]["name"] == EVIL_NAME


def test_layer_ref_digest_pattern(result, validator):
    bad = dataclasses.replace(result.image, layers=(LayerRef(0, "not a digest"),))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(json.loads(render(dataclasses.replace(result, image=bad))))


def test_layer_sizes_read_back(result):
    """Both sizes survive a save and load, so `diff` compares a saved result like a live one."""
    layers = from_json(json.loads(render(result))).image.layers
    assert layers == result.image.layers
    assert [(layer.size, layer.uncompressed_size) for layer in layers] == [
        (29_150_000, 80_400_384),
        (4_321, 10_240),
    ]


def test_deterministic(result):
    assert render(result) == render(result)


def test_golden(result, golden):
    golden("native.json", render(result))


def test_owned_by_and_notable_files(result):
    doc = json.loads(render(result))
    certifi = next(p for p in doc["packages"] if p["name"] == "certifi")
    assert certifi["owned_by"].startswith("pkg:deb/debian/python3-certifi@")
    agent, su = doc["files"]
    assert (agent["path"], agent["kinds"], agent["mode"]) == (
        "usr/local/bin/agent",
        ["unowned-executable"],
        "0100755",
    )
    assert su["owner"] == result.inventory.packages[1].purl


def test_found_as_round_trips(result, validator):
    """`found_as` is written for every package and read back by the result loader."""
    declared = dataclasses.replace(result.inventory.packages[0], found_as="declared")
    inventory = dataclasses.replace(
        result.inventory, packages=(declared, *result.inventory.packages[1:])
    )
    doc = json.loads(render(dataclasses.replace(result, inventory=inventory)))
    validator.validate(doc)
    assert [p["found_as"] for p in doc["packages"]][:2] == ["declared", "installed"]
    loaded = from_json(doc).inventory.packages
    assert (loaded[0].found_as, loaded[1].found_as) == ("declared", "installed")
    doc["packages"][0]["found_as"] = "guessed"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
