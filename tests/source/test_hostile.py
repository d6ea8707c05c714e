"""Hostile images, made by code: each gives a warning or one clean error line."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import pytest

from dockwise import cli
from dockwise.source import layer as layer_module
from tools.imagepack import (
    ImageSpec,
    Member,
    PackedLayer,
    layer_tar,
    write_docker_archive,
    write_oci_archive,
    write_oci_dir,
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["sbom", "-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dockwise: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def oci_dir(tmp_path, spec: ImageSpec):
    path = tmp_path / "layout"
    write_oci_dir(spec, path)
    return path


def simple() -> ImageSpec:
    return ImageSpec(layers=[{"etc/os-release": "ID=debian\nVERSION_ID=12\n"}])


# -- broken containers: exit 2 and one line ------------------------------------


def test_not_a_tar(tmp_path, capsys):
    path = tmp_path / "random.bin"
    path.write_bytes(os.urandom(4096))
    assert_one_line_error(*run(capsys, str(path))[::2], "random.bin")


def test_truncated_archive(tmp_path, capsys):
    path = tmp_path / "image.tar"
    write_docker_archive(ImageSpec(layers=[{"big": os.urandom(200_000)}]), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, _, err = run(capsys, f"docker-archive:{path}")
    assert_one_line_error(code, err)


def test_missing_layer_blob(tmp_path, capsys):
    layout = oci_dir(tmp_path, simple())
    manifest = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    doc = json.loads((layout / "blobs" / "sha256" / manifest.split(":")[1]).read_text())
    (layout / "blobs" / "sha256" / doc["layers"][0]["digest"].split(":")[1]).unlink()
    code, _, err = run(capsys, f"oci-dir:{layout}")
    assert_one_line_error(code, err, doc["layers"][0]["digest"], "missing")


def test_layer_digest_mismatch_names_the_blob(tmp_path, capsys):
    layout = oci_dir(tmp_path, simple())
    blobs = layout / "blobs" / "sha256"
    layer = max(blobs.iterdir(), key=lambda p: p.stat().st_size)
    data = bytearray(layer.read_bytes())
    data[-12] ^= 0xFF  # inside the gzip trailer's CRC: still inflates, wrong digest
    layer.write_bytes(bytes(data))
    code, _, err = run(capsys, f"oci-dir:{layout}")
    assert_one_line_error(code, err, layer.name)


def test_diff_id_mismatch_in_classic_docker_archive(tmp_path, capsys):
    path = tmp_path / "image.tar"
    write_docker_archive(simple(), path)
    members = {}
    with tarfile.open(path) as archive:
        for info in archive.getmembers():
            members[info.name] = archive.extractfile(info).read() if info.isfile() else None
    layer_name = next(n for n in members if n.endswith("layer.tar"))
    members[layer_name] = layer_tar({"etc/os-release": "ID=evil\n"})
    rebuild(path, members)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "diff_id mismatch", layer_name)


def rebuild(path, members: dict[str, bytes | None]) -> None:
    with tarfile.open(path, "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "manifest",
    [b"{not json", b"[]", b'[{"Config": 5}]', b'"string"', b'[{"Config": "x.json", "Layers": []}]'],
    ids=["not_json", "empty_list", "wrong_types", "not_a_list", "missing_config"],
)
def test_malformed_docker_manifest(tmp_path, capsys, manifest):
    path = tmp_path / "image.tar"
    rebuild(path, {"manifest.json": manifest})
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err)


def test_malformed_config(tmp_path, capsys):
    layout = oci_dir(tmp_path, simple())
    manifest_digest = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    manifest_path = layout / "blobs" / "sha256" / manifest_digest.split(":")[1]
    doc = json.loads(manifest_path.read_text())
    config = layout / "blobs" / "sha256" / doc["config"]["digest"].split(":")[1]
    config.write_bytes(b'{"rootfs": {"diff_ids": "nope"}}')
    code, _, err = run(capsys, f"oci-dir:{layout}")
    assert_one_line_error(code, err, doc["config"]["digest"])


DEEP = b"[" * 200_000 + b"]" * 200_000  # a RecursionError for json.loads at any stack depth


def put_blob(layout, data: bytes) -> dict:
    """Store `data` as a blob of the layout; its descriptor's digest and size."""
    hexdigest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / hexdigest).write_bytes(data)
    return {"digest": f"sha256:{hexdigest}", "size": len(data)}


def layout_with(tmp_path, config: bytes | None = None, manifest: bytes | None = None,
                index: bytes | None = None):
    """An OCI layout whose config, manifest or index is replaced by raw bytes, with every
    digest above it fixed up, so that only the replaced document is hostile."""
    layout = oci_dir(tmp_path, simple())
    index_doc = json.loads((layout / "index.json").read_text())
    entry = index_doc["manifests"][0]
    manifest_doc = json.loads((layout / "blobs" / "sha256" / entry["digest"][7:]).read_text())
    if config is not None:
        manifest_doc["config"].update(put_blob(layout, config))
    entry.update(put_blob(layout, manifest or json.dumps(manifest_doc).encode()))
    (layout / "index.json").write_bytes(index or json.dumps(index_doc).encode())
    return layout


@pytest.mark.parametrize("document", ["config", "manifest", "index"])
def test_deeply_nested_image_document(tmp_path, capsys, document):
    layout = layout_with(tmp_path, **{document: DEEP})
    code, _, err = run(capsys, f"oci-dir:{layout}")
    assert_one_line_error(code, err, "nested deeper than")


def test_deeply_nested_docker_manifest(tmp_path, capsys):
    path = tmp_path / "image.tar"
    rebuild(path, {"manifest.json": DEEP})
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "manifest.json", "nested deeper than")


def test_real_cli_on_a_deeply_nested_config(tmp_path):
    """The process as a user runs it: a traceback printed anywhere would show here."""
    layout = layout_with(tmp_path, config=b'{"config":' * 200_000 + b"{}" + b"}" * 200_000)
    done = subprocess.run(
        [sys.executable, "-m", "dockwise", "sbom", "-q", f"oci-dir:{layout}"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("dockwise: error: config sha256:")


HOSTILE_FILES = {
    "app/node_modules/deep/package.json": DEEP,
    "srv/package-lock.json": DEEP,
    "web/pnpm-lock.yaml": b"lockfileVersion: " + DEEP,  # segfaulted libyaml's composer
    "php/composer.lock": DEEP,
    "dotnet/app.deps.json": DEEP,
    "py/Pipfile.lock": DEEP,
}


def test_deeply_nested_files_inside_the_image_are_warnings(tmp_path):
    """Each hostile file is one warning and the rest of the scan goes on. Run as a
    process: a crash inside a C parser would take pytest down with it."""
    layer = {
        "etc/os-release": "ID=debian\nVERSION_ID=12\n",
        "app/node_modules/ok/package.json": b'{"name": "ok", "version": "1.0.0"}',
        **HOSTILE_FILES,
    }
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    done = subprocess.run(
        [sys.executable, "-m", "dockwise", "sbom", "-q", "--format", "json", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert [p["name"] for p in result["packages"]] == ["ok"]
    assert result["distro"]["id"] == "debian"
    warned = {w["path"]: w["message"] for w in result["warnings"]}
    assert sorted(warned) == sorted(HOSTILE_FILES)
    assert all("nested deeper than" in message for message in warned.values())


def test_blob_name_cannot_escape_the_layout(tmp_path, capsys):
    layout = oci_dir(tmp_path, simple())
    index = json.loads((layout / "index.json").read_text())
    index["manifests"][0]["digest"] = "sha256:../../../../etc/passwd"
    (layout / "index.json").write_text(json.dumps(index))
    code, _, err = run(capsys, f"oci-dir:{layout}")
    assert_one_line_error(code, err, "digest")


def test_layer_that_is_not_a_tar(tmp_path, capsys):
    spec = ImageSpec(layers=[os.urandom(3000)], compression="gzip")
    path = tmp_path / "image.tar"
    write_oci_archive(spec, path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "not a tar stream")


def test_member_larger_than_its_layer(tmp_path, capsys):
    header = tarfile.TarInfo("huge")
    header.size = 8 << 30  # claims 8 GiB, holds a few bytes
    raw = header.tobuf(tarfile.GNU_FORMAT) + b"x" * 1024
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[raw]), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "truncated")


# -- decompression bombs: stopped by absolute size, never by ratio ----------------------


def zeros_tar(size: int) -> bytes:
    info = tarfile.TarInfo("zeros")
    info.size = size
    return info.tobuf(tarfile.PAX_FORMAT)


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_stream_past_the_absolute_cap_is_refused(tmp_path, capsys, monkeypatch, kind):
    monkeypatch.setenv(layer_module.BYTES_VARIABLE, str(16 << 20))
    size = 64 << 20  # 64 MiB of zeros packs into a few KiB
    payload = zeros_tar(size) + bytes(size) + bytes(1024)
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[payload], compression=kind), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "decompression bomb", "16,777,216", "layer sha256:")


def test_stream_past_the_time_limit_is_refused(tmp_path, capsys, monkeypatch):
    ticks = iter(range(0, 10**9, 10))  # every look at the clock: 10 s later
    monkeypatch.setattr(layer_module, "clock", lambda: next(ticks))
    monkeypatch.setenv(layer_module.SECONDS_VARIABLE, "60")
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[{"big": bytes(16 << 20)}]), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "still inflating after 60 s", "layer sha256:")


@pytest.mark.parametrize("value", ["lots", "0", "-5"])
def test_bad_layer_limit_is_one_line(tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv(layer_module.BYTES_VARIABLE, value)
    path = tmp_path / "image.tar"
    write_oci_archive(simple(), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, layer_module.BYTES_VARIABLE, repr(value))


ZEROS_BLOCK = 8 << 20


@pytest.mark.parametrize("value", ["12Q", "0", "-1", "1.5M", "K"])
def test_bad_secrets_cap_in_the_environment_is_one_line(tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv("DOCKWISE_SECRETS_MAX_SIZE", value)
    path = tmp_path / "image.tar"
    write_docker_archive(simple(), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "DOCKWISE_SECRETS_MAX_SIZE")


def zero_filled_layer(name: str, size: int, then: dict[str, bytes]) -> PackedLayer:
    """A gzip layer with `size` zero bytes at `name`, then the files of `then`: one block
    of zeros is compressed once and its gzip member repeated, so no test holds or writes
    the inflated bytes, and the ratio is what gzip gives a real sparse file (~1000:1)."""
    info = tarfile.TarInfo(name)
    info.size = size
    head, tail = info.tobuf(tarfile.PAX_FORMAT), layer_tar(then)
    block = gzip.compress(bytes(ZEROS_BLOCK), 9, mtime=0)
    diff_id = hashlib.sha256(head)
    zeros = bytes(ZEROS_BLOCK)
    for _ in range(size // ZEROS_BLOCK):
        diff_id.update(zeros)
    diff_id.update(tail)
    blob = b"".join([gzip.compress(head, mtime=0), block * (size // ZEROS_BLOCK),
                     gzip.compress(tail, mtime=0)])
    return PackedLayer(blob, "sha256:" + diff_id.hexdigest())


def test_sparse_file_compressing_1000_to_1_is_read_past(tmp_path, capsys):
    """A zero-filled lastlog is normal: the layer is read on and the os-release after it
    counts. Over 1 GiB inflated, so the old 200:1 check (judged past 1 GiB) refused it."""
    size = 1088 << 20
    layer = zero_filled_layer("var/log/lastlog", size, {"etc/os-release": simple().layers[0][
        "etc/os-release"].encode()})
    assert size // len(layer.blob) > 900
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 0, err
    result = json.loads(out)
    assert result["distro"]["id"] == "debian"
    assert result["warnings"] == []


@pytest.mark.parametrize("padding", [0, 3, (1 << 20) + 5])
def test_gzip_members_and_zero_padding_read_as_one_stream(tmp_path, capsys, padding):
    """A layer of two gzip members reads as one tar stream; the zero bytes gzip allows
    after a member (here more than one read of them, too) are skipped."""
    tar = layer_tar({"etc/os-release": "ID=debian\n", "usr/share/big": os.urandom(3 << 20)})
    head, tail = tar[: len(tar) // 2], tar[len(tar) // 2 :]
    blob = gzip.compress(head, mtime=0) + bytes(padding) + gzip.compress(tail, mtime=0)
    layer = PackedLayer(blob + bytes(padding), "sha256:" + hashlib.sha256(tar).hexdigest())
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 0, err
    assert json.loads(out)["distro"]["id"] == "debian"


def test_truncated_gzip_layer_is_one_line(tmp_path, capsys):
    blob = gzip.compress(layer_tar({"etc/os-release": "ID=debian\n"}), mtime=0)
    layer = PackedLayer(blob[: len(blob) // 2], "sha256:" + "0" * 64)
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "corrupt gzip stream", "layer sha256:")


def test_diff_id_mismatch_of_a_gzip_layer(tmp_path, capsys):
    """The blob is what the manifest says, the tar inside is not what the config says:
    the tar's own digest (taken as the parser reads it) must catch it."""
    tar = layer_tar({"etc/os-release": "ID=debian\n"})
    claimed = "sha256:" + hashlib.sha256(tar + b"x").hexdigest()
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[PackedLayer(gzip.compress(tar, mtime=0), claimed)]), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "diff_id mismatch", claimed)


def test_invalid_deflate_block_is_one_line(tmp_path, capsys):
    """A gzip header followed by a deflate block of the reserved type: isal raises its own
    error class (not OSError or zlib.error), which once escaped as a traceback."""
    blob = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\x07" + bytes(64)
    layer = PackedLayer(blob, "sha256:" + "0" * 64)
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, _, err = run(capsys, str(path))
    assert_one_line_error(code, err, "corrupt gzip stream", "layer sha256:")


# -- valid images with hostile contents: warnings, exit 0 ----------------------------


def test_traversal_names_and_outward_whiteouts_become_warnings(tmp_path, capsys):
    layer = [
        Member("../../../tmp/dockwise-pwned", b"x"),
        Member("/etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n"),
        Member("a/../../escape", b"x"),
        Member("etc/.wh..", b""),
        Member(".wh...", b""),
        Member("lib/apk/db/installed", b"P:musl\nV:1.2.4-r2\nA:x86_64\n\n"),
    ]
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 0, err
    result = json.loads(out)
    warnings = " ".join(w["message"] for w in result["warnings"])
    assert "climbs out of the root" in warnings
    assert "whiteout aims outside" in warnings
    assert [p["name"] for p in result["packages"]] == ["musl"]
    assert not os.path.exists("/tmp/dockwise-pwned")


def test_links_out_of_root_and_loops(tmp_path, capsys):
    layer = [
        Member("etc", kind="dir"),
        Member("etc/os-release", kind="symlink", target="/../../../../etc/os-release"),
        Member("usr/lib/os-release", kind="symlink", target="../../usr/lib/os-release"),
        Member("lib/apk/db", kind="symlink", target="../apk/db"),
        Member("var/lib/dpkg/status", kind="symlink", target="/var/lib/dpkg/status"),
    ]
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 0, err
    assert json.loads(out)["packages"] == []


def test_many_entries_stay_fast(tmp_path, capsys):
    layer = [Member(f"d{i // 1000}/f{i}", b"") for i in range(50_000)]
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[layer]), path)
    code, _, err = run(capsys, str(path))
    assert code == 0, err


def test_oversized_database_is_reported_not_read(tmp_path, capsys, monkeypatch):
    from dockwise.catalog import dpkg

    monkeypatch.setattr(dpkg.DpkgCataloger, "max_size", 100, raising=False)
    big = b"Package: a\nStatus: install ok installed\nVersion: 1\n\n" * 10
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=[{"var/lib/dpkg/status": big}]), path)
    code, out, err = run(capsys, "--format", "json", str(path))
    assert code == 0, err
    messages = [w["message"] for w in json.loads(out)["warnings"]]
    assert any("over the size cap" in m for m in messages)


def test_escape_sequences_never_reach_the_terminal(tmp_path, capsys):
    evil = "\x1b]0;pwned\x07\x1b[2J"
    status = f"Package: evil{evil}\nStatus: install ok installed\nVersion: 1{evil}\n\n"
    spec = ImageSpec(
        layers=[{"var/lib/dpkg/status": status}],
        config={"Labels": {"note": evil}, "Env": [f"X={evil}"]},
    )
    path = tmp_path / "image.tar"
    write_oci_archive(spec, path)
    code, out, err = run(capsys, str(path))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "evil" in out
