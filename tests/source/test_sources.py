"""Images built in tmp_path, read back through every source kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.cli import main
from dockwise.errors import SourceError
from dockwise.source import detect, open_source
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector
from tools.imagepack import (
    ImageSpec,
    Member,
    build_image,
    opaque,
    whiteout,
    write_docker_archive,
    write_oci_archive,
    write_oci_dir,
)

BASE = {
    "etc/os-release": "ID=debian\nVERSION_ID=12\n",
    "etc/issue.net": "Debian\n",
    "usr/share/doc/a/README": "a\n",
    "usr/share/doc/b/README": "b\n",
    "bin/bash": b"\x7fELF bash",
}
TOP = [
    whiteout("etc/issue.net"),
    opaque("usr/share/doc"),
    Member("usr/share/doc/c/README", b"c\n"),
    Member("bin/sh", kind="symlink", target="bash"),
    Member("bin/rbash", kind="hardlink", target="bin/bash"),
    Member("etc/escape", kind="symlink", target="../../../../etc/os-release"),
]


def read_tree(source: str, platform: str | None = None) -> tuple[FileTree, object]:
    image = open_source(source, platform)
    selector = Selector(lambda path: 1 << 20)
    tree = FileTree.from_layers(layer.analyze(selector) for layer in image.layers)
    return tree, image.info


def spec(compression="gzip", **kwargs) -> ImageSpec:
    return ImageSpec(
        layers=[BASE, TOP],
        history=["debootstrap", "RUN apt-get install c"],
        compression=compression,
        config={"User": "1000", "Env": ["PATH=/bin", "DB_PASSWORD=hunter2"]},
        **kwargs,
    )


def write(kind: str, tmp_path, image: ImageSpec) -> str:
    path = tmp_path / ("image" if kind == "oci-dir" else "image.tar")
    if kind == "docker-archive":
        write_docker_archive(image, path)
    elif kind == "docker-archive-oci":
        write_docker_archive(image, path, oci_layout=True)
    elif kind == "oci-dir":
        write_oci_dir(image, path)
    else:
        write_oci_archive(image, path)
    return str(path)


KINDS = ["docker-archive", "docker-archive-oci", "oci-dir", "oci-archive"]


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_layout_and_compression_gives_the_same_view(tmp_path, kind, compression):
    tree, info = read_tree(write(kind, tmp_path, spec(compression)))
    assert sorted(p for p in tree.paths() if tree.entry(p) and not tree.entry(p).is_dir) == [
        "bin/bash", "bin/rbash", "bin/sh", "etc/escape", "etc/os-release", "usr/share/doc/c/README",
    ]  # fmt: skip
    assert info.config.user == "1000"
    assert dict(info.config.env) == {"PATH": "/bin", "DB_PASSWORD": "********"}
    assert [layer.created_by for layer in info.layers] == ["debootstrap", "RUN apt-get install c"]


def test_files_know_their_layer_and_links_resolve_inside_the_root(tmp_path):
    tree, info = read_tree(write("oci-archive", tmp_path, spec()))
    assert tree.file("etc/os-release").layer.index == 0
    assert tree.file("usr/share/doc/c/README").layer.index == 1
    assert tree.read_bytes("bin/sh") == b"\x7fELF bash"
    assert tree.read_bytes("bin/rbash") == b"\x7fELF bash"
    # ../../../../etc/os-release from etc/ climbs to the image root, never the host
    assert tree.resolve("etc/escape") == "etc/os-release"
    assert tree.file("bin/rbash").layer.diff_id == info.layers[1].diff_id


def test_symlink_loops_are_detected(tmp_path):
    image = ImageSpec(
        layers=[[Member("a", kind="symlink", target="b"), Member("b", kind="symlink", target="a")]]
    )
    tree, _ = read_tree(write("oci-dir", tmp_path, image))
    assert tree.resolve("a") is None
    assert tree.read_bytes("a") is None


def test_file_replaced_by_directory_and_back(tmp_path):
    image = ImageSpec(
        layers=[{"x": "file"}, {"x/y": "nested"}, [whiteout("x"), Member("x", b"again")]]
    )
    tree, _ = read_tree(write("oci-dir", tmp_path, image))
    assert tree.read_bytes("x") == b"again"
    assert tree.entry("x/y") is None
    assert [f.layer.index for f in tree.versions("x")] == [2]


def test_versions_track_a_file_rewritten_by_each_layer(tmp_path):
    image = ImageSpec(layers=[{"db": "1"}, {"other": "x"}, {"db": "1\n2"}])
    tree, _ = read_tree(write("docker-archive", tmp_path, image))
    assert [(f.layer.index, f.content) for f in tree.versions("db")] == [(0, b"1"), (2, b"1\n2")]


def test_detection_of_bare_paths(tmp_path):
    expected = {
        "docker-archive": "docker-archive",
        "docker-archive-oci": "docker-archive",
        "oci-archive": "oci-archive",
        "oci-dir": "oci-dir",
    }
    for kind, scheme in expected.items():
        target = tmp_path / kind
        target.mkdir()
        assert detect(Path(write(kind, target, spec()))) == scheme
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    assert detect(rootfs) == "dir"


def test_scheme_prefix_is_honoured(tmp_path):
    path = write("oci-archive", tmp_path, spec())
    _, info = read_tree(f"oci-archive:{path}")
    assert info.scheme == "oci-archive"
    assert info.manifest_digest == build_image(spec()).manifest_digest
    with pytest.raises(SourceError, match="no such file"):
        open_source("docker-archive:/nonexistent/image.tar")


def test_dir_source_never_follows_links_out_of_the_root(tmp_path):
    outside = tmp_path / "secret"
    outside.write_text("host secret")
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=alpine\n")
    (root / "etc" / "passwd").symlink_to(outside)
    (root / "loop").symlink_to(root / "loop")
    tree, info = read_tree(f"dir:{root}")
    assert info.scheme == "dir"
    assert tree.read_bytes("etc/os-release") == b"ID=alpine\n"
    # the absolute host path resolves against the image root, where it does not exist
    assert tree.read_bytes("etc/passwd") is None
    assert tree.resolve("loop") is None


PLATFORMS = [("linux", "amd64", ""), ("linux", "arm64", "v8"), ("linux", "arm", "v7")]


def multi(tmp_path, **kwargs) -> str:
    images = [
        ImageSpec(layers=[{"arch": f"{arch}{variant}"}], os=os_, architecture=arch, variant=variant)
        for os_, arch, variant in PLATFORMS
    ]
    path = tmp_path / "multi.tar"
    write_oci_archive(images, path, **kwargs)
    return str(path)


@pytest.mark.parametrize("nested", [False, True])
def test_platform_is_picked_from_an_index(tmp_path, nested):
    path = multi(tmp_path, nested=nested, attestations=True)
    tree, info = read_tree(path, "linux/arm64")
    assert tree.read_bytes("arch") == b"arm64v8"
    assert (info.architecture, info.variant) == ("arm64", "v8")
    tree, _ = read_tree(path, "linux/arm/v7")
    assert tree.read_bytes("arch") == b"armv7"


def test_missing_platform_names_the_available_ones(tmp_path):
    with pytest.raises(SourceError) as error:
        read_tree(multi(tmp_path), "linux/s390x")
    assert "linux/amd64, linux/arm/v7, linux/arm64/v8" in str(error.value)


def test_bad_platform_flag(tmp_path):
    with pytest.raises(SourceError, match="expected os/arch"):
        read_tree(multi(tmp_path), "amd64")


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_image_must_be_the_requested_platform(tmp_path, kind):
    """docker save and a one-manifest layout offer no index to choose from: the config
    decides, and a platform the image lacks is an error naming the one it has."""
    source = write(kind, tmp_path, spec(architecture="arm64", variant="v8"))
    assert read_tree(source, "linux/arm64")[1].variant == "v8"  # no variant asked: any
    assert read_tree(source, "linux/arm64/v8")[1].architecture == "arm64"
    for wanted in ("linux/amd64", "linux/arm64/v7", "windows/arm64"):
        with pytest.raises(SourceError) as error:
            open_source(source, wanted)
        assert str(error.value) == (
            f"{source}: image is for linux/arm64/v8, not the requested platform {wanted}"
        )


def test_a_config_without_a_platform_cannot_match_one(tmp_path):
    source = write("docker-archive", tmp_path, spec(architecture=""))
    assert read_tree(source)[1].architecture == ""
    with pytest.raises(SourceError, match="config names no platform to match linux/amd64$"):
        open_source(source, "linux/amd64")


def test_a_platform_missing_from_a_one_entry_index_names_the_one_it_has(tmp_path):
    path = tmp_path / "one.tar"
    write_oci_archive(spec(), path, attestations=True)  # an index entry with a platform
    with pytest.raises(SourceError) as error:
        open_source(str(path), "linux/arm64")
    assert str(error.value) == "no single image for platform linux/arm64; available: linux/amd64"


@pytest.mark.parametrize(
    ("scheme", "message"),
    [("dir:", "a directory has no platform"), ("", "a directory has no platform"),
     ("sbom:", "an SBOM has no platforms to choose from")],
    ids=["dir", "bare_dir", "sbom"],
)  # fmt: skip
def test_sources_without_platforms_refuse_one(tmp_path, scheme, message):
    if scheme == "sbom:":
        path = Path(__file__).resolve().parents[1] / "assets" / "sbom" / "trivy-alpine.cdx.json"
    else:
        path = tmp_path / "root"
        (path / "etc").mkdir(parents=True)
        (path / "etc" / "os-release").write_text("ID=debian\n")
    assert open_source(f"{scheme}{path}") is not None  # fine without --platform
    with pytest.raises(SourceError) as error:
        open_source(f"{scheme}{path}", "linux/amd64")
    assert str(error.value) == f"{scheme}{path}: {message}; drop --platform"


@pytest.mark.parametrize("extra", [0, 40], ids=["few_whiteouts", "many_whiteouts"])
def test_whiteouts_and_opaque_dirs_in_bulk(tmp_path, extra):
    """Both deletion paths (a prefix scan for a few whiteouts, an ancestor walk for many)
    give the same view; a hostile layer of thousands of whiteouts stays linear."""
    base = {f"d{i}/f": "x" for i in range(60)}
    base |= {"keep/a": "1", "gone/sub/b": "2", "opq/old": "3", "opqfile": "4"}
    base["opq"] = Member("opq", kind="dir")
    top = [whiteout("gone"), opaque("opq"), Member("opq/new", b"5")]
    top += [whiteout(f"d{i}") for i in range(extra)]
    tree, _ = read_tree(write("oci-dir", tmp_path, ImageSpec(layers=[base, top])))
    files = {p for p in tree.paths() if not tree.entry(p).is_dir}
    assert {"keep/a", "opq/new", "opqfile"} <= files
    assert not {"gone/sub/b", "opq/old"} & files
    assert {f"d{i}/f" for i in range(60)} - files == {f"d{i}/f" for i in range(extra)}
    assert tree.entry("opq") is not None  # an opaque directory itself stays


@pytest.mark.parametrize("kind", KINDS)
def test_an_arm64_image_without_a_variant_is_v8(tmp_path, kind):
    """containerd normalises an empty arm64 variant to v8; most arm64 configs name none."""
    source = write(kind, tmp_path, spec(architecture="arm64"))
    assert read_tree(source, "linux/arm64/v8")[1].architecture == "arm64"
    with pytest.raises(SourceError, match="not the requested platform linux/arm64/v7$"):
        open_source(source, "linux/arm64/v7")


@pytest.mark.parametrize(("how", "source", "message"), [
    ("flag", "registry:127.0.0.1:9/app:1", "registry:127.0.0.1:9/app:1"),
    ("env", "python:3.12-slim", "registry:python:3.12-slim (no such file 'python:3.12-slim' "
     "either)"),
])  # fmt: skip
def test_offline_forbids_reading_a_registry(capsys, monkeypatch, how, source, message):
    monkeypatch.setenv("DOCKWISE_OFFLINE", "1" if how == "env" else "")
    argv = ["--offline"] if how == "flag" else []
    assert main(["sbom", "-q", *argv, source]) == 2
    assert capsys.readouterr().err == f"dockwise: error: --offline forbids reading {message}\n"
