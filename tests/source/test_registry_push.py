"""Pushing to a scripted registry, for what a real one will not do on demand: an upload
location on another host (object storage, a CDN) must get no credentials."""

from __future__ import annotations

import json

import pytest
from registry.fake_registry import BASIC, Quiet, serve

from dockwise.build.oci import Layout
from dockwise.errors import SourceError
from dockwise.options import RegistryAccess
from dockwise.source.registry.push import push_layout
from tools.imagepack import ImageSpec, write_oci_dir


def uploads_elsewhere(storage: str, seen: list[tuple[str, str, str]], subject: bool = False):
    """A registry behind Basic auth whose uploads go to `storage`, another address; with
    `subject`, one that takes OCI 1.1 subjects (it answers `OCI-Subject`)."""

    class Registry(Quiet):
        def handle_one(self, method: str) -> None:
            seen.append((method, self.path, self.headers.get("Authorization", "")))
            if self.headers.get("Authorization") != BASIC:
                self.reply(401, b"", {"WWW-Authenticate": 'Basic realm="test"'})
            elif method == "POST":
                self.reply(202, b"", {"Location": f"http://{storage}/upload/1"})
            elif method == "PUT":
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                said = json.loads(body).get("subject") if subject else None
                self.reply(201, b"", {"OCI-Subject": said["digest"]} if said else {})
            else:
                self.reply(404 if "/blobs/" in self.path or "sha256-" in self.path else 200, b"")

        def do_GET(self) -> None:  # noqa: N802 - http.server's names
            self.handle_one("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self.handle_one("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self.handle_one("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self.handle_one("PUT")

    return Registry


def storage_host(seen: list[tuple[str, str, str]]):
    class Storage(Quiet):
        def do_PUT(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(("PUT", self.path, self.headers.get("Authorization", "")))
            self.reply(201, b"")

    return Storage


def test_an_upload_location_on_another_host_gets_no_credentials(tmp_path):
    write_oci_dir(ImageSpec(layers=[{"app/run": b"#!/app\n"}]), tmp_path / "image")
    at_registry, at_storage = [], []
    with serve(storage_host(at_storage), "127.0.0.2") as storage:
        with serve(uploads_elsewhere(storage, at_registry)) as registry:
            pushed = push_layout(tmp_path / "image", f"{registry}/app:1",
                                 RegistryAccess("alice", "wonderland"))  # fmt: skip
    assert pushed.blobs_sent == 2  # the config and the layer, both to storage
    assert [(m, a) for m, _, a in at_storage] == [("PUT", ""), ("PUT", "")]
    assert all("digest=sha256%3A" in p or "digest=sha256:" in p for _, p, _ in at_storage)
    manifests = [p for m, p, a in at_registry if m == "PUT" and a == BASIC]
    assert manifests == ["/v2/app/manifests/1"]
    assert pushed.referrers == "none"


@pytest.mark.parametrize(("damage", "message"), [
    ("index", "index.json: unreadable"),
    ("blob", "missing from layout"),
    ("two", "expected one image in index.json, found 2"),
], ids=["garbage_index", "missing_blob", "two_images"])  # fmt: skip
def test_a_damaged_layout_is_one_error_before_any_request(tmp_path, damage, message):
    root = tmp_path / "image"
    write_oci_dir(ImageSpec(layers=[{"app/run": b"#!/app\n"}]), root)
    index = json.loads((root / "index.json").read_text())
    if damage == "index":
        (root / "index.json").write_text("{not json")
    elif damage == "two":
        index["manifests"].append(dict(index["manifests"][0]))
        (root / "index.json").write_text(json.dumps(index))
    else:
        manifest = root / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]
        layer = json.loads(manifest.read_text())["layers"][0]["digest"]
        (root / "blobs" / "sha256" / layer[7:]).unlink()
    with pytest.raises(SourceError, match=message):  # port 9: nothing answers there
        push_layout(root, "127.0.0.1:9/app:1", RegistryAccess())


def test_a_registry_with_the_referrers_api_gets_no_fallback_tag(tmp_path):
    layout = Layout(tmp_path / "image")
    image = layout.image(b'{"rootfs":{"type":"layers","diff_ids":[]}}', [], {})
    sbom = layout.artifact(image, "application/vnd.cyclonedx+json", b"{}", {})
    layout.write_index([image, sbom])
    at_registry, at_storage = [], []
    with serve(storage_host(at_storage), "127.0.0.2") as storage:
        with serve(uploads_elsewhere(storage, at_registry, subject=True)) as registry:
            pushed = push_layout(layout.root, f"{registry}/app:1",
                                 RegistryAccess("alice", "wonderland"))  # fmt: skip
    assert pushed.referrers == "api" and pushed.artifacts == (sbom["digest"],)
    puts = [p for m, p, a in at_registry if m == "PUT" and a == BASIC]
    assert puts == ["/v2/app/manifests/1", f"/v2/app/manifests/{sbom['digest']}"]
