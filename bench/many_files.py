#!/usr/bin/env python3
"""Build the `many-files` scale image without root or mmdebstrap.

debian-min's two base layers (taken from its OCI archive) plus one layer holding an
/app/node_modules-like tree: PACKAGES npm packages (every 10th scoped), each a
package.json, index.js, README.md, LICENSE and 7 lib/ dirs of 28 tiny .js files. That is
the tree `../shared/tools/build_test_images.sh DIR many-files` builds (same names,
contents and versions), written straight into the layer tar instead of onto a disk:
5,000 packages give 1,045,002 tar entries (1.2 GB of tar), 15,000 give 3.1 M (the
"3 million tiny files" variant of issue 20). Deterministic: the same arguments give the
same bytes.

    python bench/many_files.py --base /work/images/debian-min.oci.tar --out /tmp/mf
    python bench/many_files.py --base ... --out /tmp/mf3 --packages 15000 --name many-files-3m

Writes OUT/NAME.oci.tar (gzip layers) and, unless --no-docker, OUT/NAME.docker.tar
(uncompressed layers, as `docker save`). Stdlib plus isal (a dockwise dependency).
Hand-written rather than tools/imagepack.py: that builds every layer in memory, and this
layer is 1.2 to 3.6 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from isal import isal_zlib

MTIME = 1700000000
CHUNK = 1 << 20
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def package_name(p: int) -> str:
    return f"@scope{p % 20:02d}/pkg-{p:05d}" if p % 10 == 0 else f"pkg-{p:05d}"


def package_version(p: int) -> str:
    return f"{1 + p % 9}.{p % 17}.{p % 5}"


def app_tree(packages: int) -> Iterator[tuple[str, bytes | None]]:
    """(path, content) in tar order; content None for a directory."""
    yield "app/", None
    yield "app/index.js", (
        b"module.exports=Object.keys(require('./package.json').dependencies).length;\n"
    )
    deps = {package_name(p): package_version(p) for p in range(packages)}
    yield "app/package.json", json.dumps(
        {"name": "many-files-app", "version": "1.0.0", "private": True, "dependencies": deps},
        indent=1, sort_keys=True,
    ).encode() + b"\n"
    yield "app/node_modules/", None
    for scope in sorted({package_name(p).split("/")[0] for p in range(0, packages, 10)}):
        yield f"app/node_modules/{scope}/", None
    for p in range(packages):
        yield from _package(package_name(p), package_version(p))


def _package(name: str, version: str) -> Iterator[tuple[str, bytes | None]]:
    top = f"app/node_modules/{name}"
    yield top + "/", None
    yield top + "/LICENSE", b"MIT\n"
    yield top + "/README.md", f"# {name}\n".encode()
    yield top + "/index.js", b"module.exports=require('./lib/m0/f00.js');\n"
    yield top + "/lib/", None
    for m in range(7):
        yield f"{top}/lib/m{m}/", None
        for i in range(28):
            yield f"{top}/lib/m{m}/f{i:02d}.js", b"module.exports=%d;\n" % (m * 28 + i)
    yield top + "/package.json", json.dumps(
        {"name": name, "version": version, "main": "index.js", "license": "MIT"},
        sort_keys=True,
    ).encode() + b"\n"


class _Sink(io.RawIOBase):
    """Write-only file: sha256 of the tar, gzip of it (isal, level 1), both to disk."""

    def __init__(self, tar_out, gz_out):
        self.tar_out, self.gz_out = tar_out, gz_out
        self.diff = hashlib.sha256()
        self.blob = hashlib.sha256()
        self.gz = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.diff.update(data)
        if self.tar_out:
            self.tar_out.write(data)
        self._gz(self.gz.compress(data))
        return len(data)

    def _gz(self, data: bytes) -> None:
        self.blob.update(data)
        self.size += len(data)
        self.gz_out.write(data)

    def finish(self) -> None:
        self._gz(self.gz.flush())


def write_app_layer(packages: int, tar_path: Path | None, gz_path: Path) -> dict:
    """Stream the app layer to disk; return its diff_id, blob digest, size, entry count.

    The headers are tarfile's own (USTAR), made once as templates and patched per entry
    (name, size, checksum): tarfile's per-member cost made the 3 M variant take half an
    hour on a loaded machine. The bytes are what `tarfile` writes for the same members.
    """
    entries = 0
    with open(gz_path, "wb") as gz_out, (open(tar_path, "wb") if tar_path else _null()) as tar_out:
        sink = _Sink(tar_out, gz_out)
        templates = {d: bytearray(_info("x/" if d else "x", None if d else b"").tobuf(
            tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")) for d in (True, False)}
        batch, offset = [], 0
        for path, content in app_tree(packages):
            block = _member(templates[content is None], path, content)
            batch.append(block)
            offset += len(block)
            entries += 1
            if len(batch) >= 4096:
                sink.write(b"".join(batch))
                batch = []
        end = tarfile.BLOCKSIZE * 2
        end += -(offset + end) % tarfile.RECORDSIZE  # as TarFile.close pads the last record
        sink.write(b"".join(batch) + b"\0" * end)
        sink.finish()
    return {
        "diff_id": "sha256:" + sink.diff.hexdigest(),
        "digest": "sha256:" + sink.blob.hexdigest(),
        "size": sink.size,
        "entries": entries,
    }


def _member(template: bytearray, path: str, content: bytes | None) -> bytes:
    head = bytearray(template)
    name = path.encode()
    if len(name) > 100:
        raise ValueError(f"{path}: name too long for this writer")
    head[0:100] = name.ljust(100, b"\0")
    size = len(content) if content else 0
    head[124:136] = b"%011o\0" % size
    head[148:156] = b"        "
    head[148:155] = b"%06o\0" % sum(head)
    if not content:
        return bytes(head)
    return bytes(head) + content + b"\0" * (-size % tarfile.BLOCKSIZE)


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _info(path: str, content: bytes | None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path.rstrip("/") if content is None else path)
    info.mtime = MTIME
    if content is None:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.size, info.mode = len(content), 0o644
    return info


def read_base(base: Path) -> tuple[dict, dict, list[dict]]:
    """The base OCI archive's manifest, config and layer descriptors."""
    with tarfile.open(base) as tf:
        def load(digest: str) -> dict:
            return json.load(tf.extractfile("blobs/" + digest.replace(":", "/", 1)))

        index = json.load(tf.extractfile("index.json"))
        manifest = load(index["manifests"][0]["digest"])
        config = load(manifest["config"]["digest"])
    return manifest, config, manifest["layers"]


def _blob_name(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/", 1)


def _json_bytes(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _add_bytes(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), MTIME, 0o644
    tf.addfile(info, io.BytesIO(data))


def _add_file(tf: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = path.stat().st_size, MTIME, 0o644
    with open(path, "rb") as f:
        tf.addfile(info, f)


def new_config(config: dict, app: dict, packages: int) -> dict:
    config = json.loads(json.dumps(config))
    config["rootfs"]["diff_ids"].append(app["diff_id"])
    config.setdefault("history", []).append(
        {"created": "2023-11-14T22:13:20Z",
         "created_by": f"COPY dir:app in /app  # bench/many_files.py, {packages} packages"}
    )
    config.setdefault("config", {})["WorkingDir"] = "/app"
    return config


def write_oci(out: Path, base: Path, manifest: dict, config: bytes, app: dict, gz: Path,
              name: str) -> None:
    layers = [*manifest["layers"],
              {"mediaType": OCI_LAYER, "digest": app["digest"], "size": app["size"]}]
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    doc = _json_bytes({**manifest, "layers": layers, "config": {
        **manifest["config"], "digest": config_digest, "size": len(config)}})
    doc_digest = "sha256:" + hashlib.sha256(doc).hexdigest()
    index = _json_bytes({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
        "mediaType": OCI_MANIFEST, "digest": doc_digest, "size": len(doc),
        "annotations": {"org.opencontainers.image.ref.name": "latest",
                        "io.containerd.image.name": f"{name}:latest"}}]})
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf, tarfile.open(base) as src:
        _add_bytes(tf, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        _add_bytes(tf, "index.json", index)
        for layer in manifest["layers"]:
            member = src.getmember(_blob_name(layer["digest"]))
            tf.addfile(member, src.extractfile(member))
        _add_file(tf, _blob_name(app["digest"]), gz)
        _add_bytes(tf, _blob_name(config_digest), config)
        _add_bytes(tf, _blob_name(doc_digest), doc)


def write_docker(out: Path, base: Path, manifest: dict, config: bytes, app_tar: Path,
                 name: str, scratch: Path) -> None:
    config_digest = hashlib.sha256(config).hexdigest()
    names = []
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf, tarfile.open(base) as src:
        for i, layer in enumerate(manifest["layers"]):
            plain = scratch / f"base{i}.tar"
            _inflate(src.extractfile(_blob_name(layer["digest"])), plain)
            names.append(f"{layer['digest'].split(':')[1]}/layer.tar")
            _add_file(tf, names[-1], plain)
            plain.unlink()
        names.append("app/layer.tar")
        _add_file(tf, names[-1], app_tar)
        _add_bytes(tf, f"{config_digest}.json", config)
        _add_bytes(tf, "manifest.json", _json_bytes([{
            "Config": f"{config_digest}.json", "RepoTags": [f"{name}:latest"], "Layers": names}]))


def _inflate(src, path: Path) -> None:
    d = isal_zlib.decompressobj(wbits=31)
    with open(path, "wb") as out:
        while data := src.read(CHUNK):
            out.write(d.decompress(data))
        out.write(d.flush())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, default=Path("/work/images/debian-min.oci.tar"),
                    help="debian-min's OCI archive (its two layers are the base)")
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    ap.add_argument("--packages", type=int, default=5000,
                    help="npm packages of 200 files (5000: 1.05 M entries; 15000: 3.1 M)")
    ap.add_argument("--name", default="many-files")
    ap.add_argument("--no-docker", action="store_true", help="write only the OCI archive")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    manifest, config, _ = read_base(args.base)
    with tempfile.TemporaryDirectory(dir=args.out, prefix=".work-") as work:
        scratch = Path(work)
        app_tar = None if args.no_docker else scratch / "app.tar"
        app = write_app_layer(args.packages, app_tar, scratch / "app.tar.gz")
        cfg = _json_bytes(new_config(config, app, args.packages))
        write_oci(args.out / f"{args.name}.oci.tar", args.base, manifest, cfg, app,
                  scratch / "app.tar.gz", args.name)
        if app_tar:
            write_docker(args.out / f"{args.name}.docker.tar", args.base, manifest, cfg,
                         app_tar, args.name, scratch)
    stats = {"name": args.name, "packages": args.packages, "app_entries": app["entries"],
             "app_gzip_bytes": app["size"]}
    (args.out / f"{args.name}.stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
