"""Round-trip tests for tools/imagepack.py, read back with nothing but tarfile and json.

Every source test builds its images with this writer, so a writer bug would hide reader
bugs: here each digest, diff_id and media type is recomputed independently.
"""

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import zstandard

from tools.imagepack import (
    ImageSpec,
    Member,
    build_image,
    compress,
    layer_tar,
    opaque,
    whiteout,
    write_docker_archive,
    write_oci_archive,
    write_oci_dir,
)

REPO = Path(__file__).resolve().parents[1]
LONG_NAME = "usr/share/" + "deep/" * 30 + "file.txt"  # well over tar's 100-byte name field


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_tar(source: bytes | Path) -> dict[str, bytes | None]:
    """{name: content} of a tar (None for non-files), in archive order."""
    fileobj = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with fileobj, tarfile.open(fileobj=fileobj) as archive:
        return {m.name: archive.extractfile(m).read() if m.isfile() else None for m in archive}


def decompress(blob: bytes) -> bytes:
    """Undo any of the three layer compressions, sniffing the magic as a reader must."""
    if blob.startswith(b"\x1f\x8b"):
        return gzip.decompress(blob)
    if blob.startswith(b"\x28\xb5\x2f\xfd"):
        return zstandard.ZstdDecompressor().decompress(blob)
    return blob


def simple_spec(**changes) -> ImageSpec:
    values = {
        "layers": [{"etc/os-release": "ID=debian\n", "bin/sh": b"#!"}, [whiteout("bin/sh")]],
        "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "User": "app"},
        "history": ["ADD rootfs /", "RUN rm /bin/sh"],
        "empty_history": [(0, 'CMD ["sh"]')],
    }
    return ImageSpec(**{**values, **changes})


# --- layers ------------------------------------------------------------------------------


def test_layer_tar_mapping_is_sorted_and_round_trips():
    tar = layer_tar({"b.txt": "bee", "a.txt": b"ay"})
    assert read_tar(tar) == {"a.txt": b"ay", "b.txt": b"bee"}


def test_layer_tar_sequence_keeps_order_duplicates_and_hostile_names():
    members = [
        Member("z"), Member("a", b"1"), Member("a", b"2"), Member("../escape"),
        Member("/etc/passwd", b"root"), whiteout("etc/gone"), opaque("var/cache/"),
        Member(".wh.top"),
    ]
    names = [m.name for m in tarfile.open(fileobj=io.BytesIO(layer_tar(members)))]
    assert names == ["z", "a", "a", "../escape", "/etc/passwd", "etc/.wh.gone",
                     "var/cache/.wh..wh..opq", ".wh.top"]


@pytest.mark.parametrize("tar_format", ["pax", "gnu"])
def test_layer_tar_keeps_non_utf8_name_bytes(tar_format):
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")
    tar = layer_tar([Member(raw, b"x")], tar_format=tar_format)
    assert b"caf\xe9" in tar
    assert tarfile.open(fileobj=io.BytesIO(tar)).getnames() == [raw]


@pytest.mark.parametrize("tar_format", ["pax", "gnu"])
def test_layer_tar_long_names(tar_format):
    tar = layer_tar([Member(LONG_NAME, b"x"), Member("l", kind="symlink", target=LONG_NAME)],
                    tar_format=tar_format)
    members = tarfile.open(fileobj=io.BytesIO(tar)).getmembers()
    assert [(m.name, m.linkname) for m in members] == [(LONG_NAME, ""), ("l", LONG_NAME)]
    marker = b"././@LongLink" if tar_format == "gnu" else b"././@PaxHeader"
    assert marker in tar


def test_layer_tar_member_kinds_and_metadata():
    members = [
        Member("d", kind="dir"), Member("d/s", kind="symlink", target="../f"),
        Member("d/h", kind="hardlink", target="f"), Member("dev/null", kind="char", device=(1, 3)),
        Member("dev/sda", kind="block", device=(8, 0)), Member("p", kind="fifo"),
        Member("f", b"x", mode=0o4755, uid=1000, gid=1001, mtime=1700000000),
    ]
    info = {m.name: m for m in tarfile.open(fileobj=io.BytesIO(layer_tar(members)))}
    assert info["d"].isdir() and info["d"].mode == 0o755
    assert info["d/s"].issym() and info["d/s"].linkname == "../f"
    assert info["d/h"].islnk() and info["d/h"].linkname == "f"
    null = info["dev/null"]
    assert null.ischr() and (null.devmajor, null.devminor) == (1, 3)
    assert info["dev/sda"].isblk() and info["p"].isfifo()
    f = info["f"]
    assert (f.mode, f.uid, f.gid, f.mtime, f.uname) == (0o4755, 1000, 1001, 1700000000, "")


def test_layer_tar_mapping_key_wins_over_member_path():
    tar = layer_tar({"bin/sh": Member("ignored", kind="symlink", target="dash")})
    assert tarfile.open(fileobj=io.BytesIO(tar)).getmember("bin/sh").linkname == "dash"


def test_unknown_member_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown member kind"):
        Member("x", kind="socket")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["gzip", "zstd", "none"])
def test_compress_round_trips_and_is_deterministic(method):
    data = layer_tar({"a": "x" * 1000})
    blob = compress(data, method)
    assert decompress(blob) == data
    assert compress(data, method) == blob


def test_gzip_header_has_no_timestamp():
    assert compress(b"abc", "gzip")[4:8] == b"\0\0\0\0"


# --- config and manifest ------------------------------------------------------------------


def test_build_image_config_diff_ids_and_history():
    image = build_image(simple_spec())
    config = json.loads(image.config)
    tars = [decompress(layer.blob) for layer in image.layers]
    assert config["rootfs"] == {"type": "layers", "diff_ids": [sha256(t) for t in tars]}
    assert config["config"]["User"] == "app"
    assert [(h["created_by"], h.get("empty_layer", False)) for h in config["history"]] == [
        ("ADD rootfs /", False), ('CMD ["sh"]', True), ("RUN rm /bin/sh", False)]
    assert (config["os"], config["architecture"]) == ("linux", "amd64")


def test_build_image_manifest_digests_and_media_types():
    image = build_image(simple_spec(compression=["zstd", "none"]))
    manifest = json.loads(image.manifest)
    assert manifest["config"]["digest"] == sha256(image.config)
    found = [(layer["mediaType"], layer["digest"], layer["size"]) for layer in manifest["layers"]]
    assert found == [
        ("application/vnd.oci.image.layer.v1.tar+zstd", sha256(image.layers[0].blob),
         len(image.layers[0].blob)),
        ("application/vnd.oci.image.layer.v1.tar", sha256(image.layers[1].blob),
         len(image.layers[1].blob)),
    ]


def test_docker_media_types():
    manifest = json.loads(build_image(simple_spec(media_types="docker")).manifest)
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert manifest["config"]["mediaType"] == "application/vnd.docker.container.image.v1+json"
    assert {layer["mediaType"] for layer in manifest["layers"]} == {
        "application/vnd.docker.image.rootfs.diff.tar.gzip"}


def test_no_history_means_no_history_key_and_overrides_win():
    config = json.loads(build_image(simple_spec(
        history=None, empty_history=(), variant="v8",
        config_overrides={"author": "me", "rootfs": {"type": "broken"}})).config)
    assert "history" not in config
    assert config["variant"] == "v8" and config["author"] == "me"
    assert config["rootfs"] == {"type": "broken"}


def test_raw_bytes_layer_is_stored_unchanged():
    broken = layer_tar({"a": "x"})[:700]
    image = build_image(ImageSpec(layers=[broken], compression="none"))
    assert image.layers[0].blob == broken


@pytest.mark.parametrize("changes", [{"history": ["only one"]}, {"compression": ["gzip"]}])
def test_spec_rejects_per_layer_lists_of_the_wrong_length(changes):
    with pytest.raises(ValueError, match="2 layers"):
        simple_spec(**changes)


# --- docker-archive -----------------------------------------------------------------------


def test_docker_archive_classic_layout(tmp_path):
    spec = simple_spec(compression="none")
    write_docker_archive(spec, tmp_path / "img.tar", tags=("demo:1.0", "demo:latest"))
    files = read_tar(tmp_path / "img.tar")
    [entry] = json.loads(files["manifest.json"])
    config = files[entry["Config"]]
    assert entry["Config"] == sha256(config).removeprefix("sha256:") + ".json"
    assert entry["RepoTags"] == ["demo:1.0", "demo:latest"]
    tars = [files[name] for name in entry["Layers"]]
    assert json.loads(config)["rootfs"]["diff_ids"] == [sha256(t) for t in tars]
    assert "bin/.wh.sh" in read_tar(tars[1])
    top = entry["Layers"][-1].split("/")[0]
    assert json.loads(files["repositories"]) == {"demo": {"1.0": top, "latest": top}}
    assert files[entry["Layers"][0].split("/")[0]] is None  # layer directory entry


@pytest.mark.parametrize("method", ["gzip", "zstd"])
def test_docker_archive_with_compressed_layers(tmp_path, method):
    write_docker_archive(simple_spec(compression=method), tmp_path / "img.tar")
    files = read_tar(tmp_path / "img.tar")
    [entry] = json.loads(files["manifest.json"])
    blobs = [files[name] for name in entry["Layers"]]
    assert decompress(blobs[0]) != blobs[0]
    diff_ids = json.loads(files[entry["Config"]])["rootfs"]["diff_ids"]
    assert diff_ids == [sha256(decompress(b)) for b in blobs]


def test_docker_archive_repeated_layer_gets_its_own_directory(tmp_path):
    layer = {"a": "same"}
    write_docker_archive(ImageSpec(layers=[layer, layer]), tmp_path / "img.tar")
    [entry] = json.loads(read_tar(tmp_path / "img.tar")["manifest.json"])
    assert len(set(entry["Layers"])) == 2


def test_docker_archive_oci_layout(tmp_path):
    spec = simple_spec(compression="none")
    write_docker_archive(spec, tmp_path / "img.tar", tags=("demo:latest",), oci_layout=True)
    files = read_tar(tmp_path / "img.tar")
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    [entry] = json.loads(files["manifest.json"])
    assert all(p.startswith("blobs/sha256/") for p in [entry["Config"], *entry["Layers"]])
    [descriptor] = json.loads(files["index.json"])["manifests"]
    assert descriptor["annotations"] == {
        "io.containerd.image.name": "docker.io/library/demo:latest",
        "org.opencontainers.image.ref.name": "latest"}
    manifest = json.loads(files[blob_path(descriptor["digest"])])
    assert blob_path(manifest["config"]["digest"]) == entry["Config"]
    assert [blob_path(layer["digest"]) for layer in manifest["layers"]] == entry["Layers"]
    assert_blobs_match_names(files)


def test_docker_archive_is_deterministic(tmp_path):
    for name in ("a.tar", "b.tar"):
        write_docker_archive(simple_spec(), tmp_path / name)
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()


# --- OCI layout ---------------------------------------------------------------------------


def blob_path(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/")


def assert_blobs_match_names(files: dict[str, bytes | None]) -> None:
    for name, data in files.items():
        if name.startswith("blobs/sha256/") and data is not None:
            assert sha256(data) == "sha256:" + name.rsplit("/", 1)[1]


def read_dir(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_oci_dir_single_image(tmp_path):
    spec = simple_spec()
    write_oci_dir(spec, tmp_path / "layout")
    files = read_dir(tmp_path / "layout")
    image = build_image(spec)
    [descriptor] = json.loads(files["index.json"])["manifests"]
    assert descriptor == {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": image.manifest_digest, "size": len(image.manifest),
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}
    assert files[blob_path(image.config_digest)] == image.config
    for layer in json.loads(files[blob_path(descriptor["digest"])])["layers"]:
        blob = files[blob_path(layer["digest"])]
        assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
        assert len(blob) == layer["size"]
    assert_blobs_match_names(files)


PLATFORMS = [("linux", "amd64", ""), ("linux", "arm64", "v8"), ("linux", "arm", "v7")]


def three_platforms() -> list[ImageSpec]:
    return [ImageSpec(layers=[{"etc/arch": arch}], os=os_, architecture=arch, variant=variant)
            for os_, arch, variant in PLATFORMS]


def test_oci_archive_index_with_three_platforms(tmp_path):
    write_oci_archive(three_platforms(), tmp_path / "multi.tar",
                      index_annotations={"org.opencontainers.image.ref.name": "1.0"})
    files = read_tar(tmp_path / "multi.tar")
    manifests = json.loads(files["index.json"])["manifests"]
    platforms = [(m["platform"]["os"], m["platform"]["architecture"],
                  m["platform"].get("variant", "")) for m in manifests]
    assert platforms == PLATFORMS
    assert {m["annotations"]["org.opencontainers.image.ref.name"] for m in manifests} == {"1.0"}
    for descriptor in manifests:
        manifest = json.loads(files[blob_path(descriptor["digest"])])
        config = json.loads(files[blob_path(manifest["config"]["digest"])])
        assert config["architecture"] == descriptor["platform"]["architecture"]
        layer = files[blob_path(manifest["layers"][0]["digest"])]
        assert read_tar(decompress(layer)) == {"etc/arch": config["architecture"].encode()}
    assert_blobs_match_names(files)


def test_oci_nested_index_with_attestations(tmp_path):
    write_oci_dir(three_platforms(), tmp_path / "layout", nested=True, attestations=True)
    files = read_dir(tmp_path / "layout")
    [top] = json.loads(files["index.json"])["manifests"]
    assert top["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert top["annotations"] == {"org.opencontainers.image.ref.name": "latest"}
    inner = json.loads(files[blob_path(top["digest"])])["manifests"]
    images = [m for m in inner if m["platform"]["os"] != "unknown"]
    attestations = [m for m in inner if m["platform"]["os"] == "unknown"]
    assert len(images) == len(attestations) == 3
    for image, attestation in zip(images, attestations, strict=True):
        assert attestation["annotations"] == {
            "vnd.docker.reference.digest": image["digest"],
            "vnd.docker.reference.type": "attestation-manifest"}
        [layer] = json.loads(files[blob_path(attestation["digest"])])["layers"]
        statement = json.loads(files[blob_path(layer["digest"])])
        assert "sha256:" + statement["subject"][0]["digest"]["sha256"] == image["digest"]
    assert_blobs_match_names(files)


def test_oci_archive_matches_oci_dir_and_is_deterministic(tmp_path):
    write_oci_dir(three_platforms(), tmp_path / "layout")
    write_oci_archive(three_platforms(), tmp_path / "a.tar")
    write_oci_archive(three_platforms(), tmp_path / "b.tar")
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    in_tar = {k: v for k, v in read_tar(tmp_path / "a.tar").items() if v is not None}
    assert in_tar == read_dir(tmp_path / "layout")


def test_empty_index_annotations_leave_descriptors_bare(tmp_path):
    write_oci_dir(simple_spec(), tmp_path / "layout", index_annotations={})
    [descriptor] = json.loads((tmp_path / "layout/index.json").read_bytes())["manifests"]
    assert "annotations" not in descriptor


# --- demo image ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_demo_builds_deterministically(tmp_path, fmt):
    outputs = [tmp_path / "a.tar", tmp_path / "b.tar"]
    for out in outputs:
        subprocess.run([sys.executable, "demo/build_demo.py", str(out), "--format", fmt],
                       cwd=REPO, check=True)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_demo_image_contents(tmp_path):
    out = tmp_path / "demo.tar"
    subprocess.run([sys.executable, "demo/build_demo.py", str(out)], cwd=REPO, check=True)
    files = read_tar(out)
    [entry] = json.loads(files["manifest.json"])
    layers = [read_tar(decompress(files[name])) for name in entry["Layers"]]
    config = json.loads(files[entry["Config"]])
    assert len(layers) == 3
    assert b"VERSION_CODENAME=bookworm" in layers[0]["usr/lib/os-release"]
    assert any(".wh." in name for name in layers[1])
    assert b"Package: curl\n" in layers[1]["var/lib/dpkg/status"]
    assert "app/.env" in layers[2]
    assert "User" not in config["config"] or not config["config"]["User"]
    assert "8000/tcp" in config["config"]["ExposedPorts"]
