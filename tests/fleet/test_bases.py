""""Rebuild needed" when the base's reference has a newer digest than the image was built
on: asked of Debian's docker-registry on loopback, kept for offline status."""

from __future__ import annotations

import json

from fleet_fixtures import build_db
from registry.distribution import needs_registry

from dockwise.cli import main

pytest_plugins = ("registry.fixtures",)
pytestmark = needs_registry
OLD = "sha256:" + "0" * 64


def status(capsys, *argv: str) -> tuple[dict, str]:
    capsys.readouterr()
    assert main(["fleet", "status", *argv, "-f", "json"]) == 0
    out, err = capsys.readouterr()
    return {line["digest"]: line for line in json.loads(out)}, err


def saved_on_base(capsys, demo_image, tmp_path, base: str, built_on: dict[str, str]) -> list:
    """Saved results of the demo image under new digests, each claiming `base` with the
    digest given (by its letter) in its annotations."""
    db = build_db(tmp_path, tmp_path / "v.db")
    saved = tmp_path / "demo.json"
    assert main(["scan", "-q", "--db", str(db), "-f", "json", "-o", str(saved),
                 str(demo_image)]) == 0  # fmt: skip
    document, paths = json.loads(saved.read_text()), []
    for letter, digest in built_on.items():
        document["image"]["manifest_digest"] = "sha256:" + letter * 64
        document["image"]["annotations"] = {"org.opencontainers.image.base.name": base,
                                            "org.opencontainers.image.base.digest": digest}
        paths.append(tmp_path / f"{letter}.json")
        paths[-1].write_text(json.dumps(document))
    return paths


def test_a_moved_base_needs_a_rebuild(capsys, store_url, demo_image, images, plain_registry,
                                      tmp_path):  # fmt: skip
    base = f"{plain_registry.host}/test/app:1"
    paths = saved_on_base(capsys, demo_image, tmp_path, base,
                          {"a": OLD, "b": images.manifest_digest})  # fmt: skip
    assert main(["fleet", "add", "-q", *map(str, paths)]) == 0
    before, _ = status(capsys)
    assert {line["base"] for line in before.values()} == {"not checked"}

    after, err = status(capsys, "--check-base")
    assert err == ""
    moved, current = after["sha256:" + "a" * 64], after["sha256:" + "b" * 64]
    assert moved["base"] == "moved" and current["base"] == "current"
    assert [r for r in moved["rebuild"] if "base" in r] == [
        f"its base {base} has a newer digest ({images.manifest_digest[:19]}…)"]  # fmt: skip
    assert not [r for r in current["rebuild"] if "base" in r]

    gone = saved_on_base(capsys, demo_image, tmp_path, "127.0.0.1:1/gone:1", {"d": OLD})
    assert main(["fleet", "add", "-q", *map(str, gone)]) == 0
    lines, err = status(capsys, "--check-base")  # a registry that does not answer
    assert err.count("\n") == 1 and "127.0.0.1:1/gone:1: base not checked" in err
    assert lines["sha256:" + "d" * 64]["base"] == "not checked"

    offline, err = status(capsys, "--check-base", "--offline")  # the last answer stays
    assert err.count("\n") == 1 and "not checked" in err
    assert offline["sha256:" + "a" * 64]["base"] == "moved"


def test_discover_checks_the_bases_in_its_registry(capsys, store_url, demo_image, images,
                                                   plain_registry, tmp_path):  # fmt: skip
    base = f"{plain_registry.host}/test/app:1"
    [path] = saved_on_base(capsys, demo_image, tmp_path, base, {"c": OLD})
    assert main(["fleet", "add", "-q", str(path)]) == 0
    assert main(["fleet", "discover", "-q", f"registry:{plain_registry.host}/test"]) == 0
    lines, _ = status(capsys)
    assert lines["sha256:" + "c" * 64]["base"] == "moved"


def test_fleet_scan_checks_the_bases_when_online(capsys, store_url, demo_image, images,
                                                 plain_registry, tmp_path):  # fmt: skip
    base = f"{plain_registry.host}/test/app:1"
    [path] = saved_on_base(capsys, demo_image, tmp_path, base, {"e": OLD})
    assert main(["fleet", "add", "-q", str(path)]) == 0
    db = str(tmp_path / "v.db")
    assert main(["fleet", "scan", "-q", "--offline", "--db", db]) == 0
    lines, _ = status(capsys)
    assert lines["sha256:" + "e" * 64]["base"] == "not checked"
    assert main(["fleet", "scan", "-q", "--db", db]) == 0
    lines, _ = status(capsys)
    assert lines["sha256:" + "e" * 64]["base"] == "moved"
