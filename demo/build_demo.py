"""Build the bundled demo image from demo/rootfs/: a vulnerable Debian 12 web-app image.

Usage (from the repository root; standard library plus ``zstandard`` only):

    python demo/build_demo.py OUT_PATH [--format docker-archive|oci-archive]
                                       [--compression gzip|zstd|none]

The output is byte-for-byte deterministic, so it can be rebuilt anywhere instead of being
committed as an opaque tarball (STYLE.md §8.5). What the image holds, layer by layer:

1. ``rootfs/1-debian``: a Debian bookworm base (os-release, dpkg status, a few .list files,
   merged-/usr symlinks).
2. ``rootfs/2-packages``: ``apt-get install curl openssl ca-certificates``; the dpkg status
   is rewritten with the stanzas of ``rootfs/2-packages.status-added``, and the apt lists
   are deleted, which leaves a whiteout.
3. ``rootfs/3-app``: /app (a planted fake secret in .env, npm packages) and old,
   vulnerable Python packages in site-packages, installed by ``curl | sh``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

DEMO = Path(__file__).resolve().parent
sys.path.insert(0, str(DEMO.parent))  # run as a plain script: make `tools` importable

from tools.imagepack import (  # noqa: E402
    REF_NAME,
    Compression,
    ImageSpec,
    Member,
    whiteout,
    write_docker_archive,
    write_oci_archive,
)

ROOTFS = DEMO / "rootfs"
TAG = "dockwise-demo:1.0"
CREATED = "2024-02-12T09:30:00Z"
EXECUTABLES = frozenset({"app/start.sh"})
STATUS = "var/lib/dpkg/status"

# Debian 12 is merged-/usr, and /etc/os-release is a symlink (os-release(5)).
BASE_SYMLINKS = {
    "bin": "usr/bin",
    "lib": "usr/lib",
    "lib64": "usr/lib64",
    "sbin": "usr/sbin",
    "etc/os-release": "../usr/lib/os-release",
}
# `rm -rf /var/lib/apt/lists/*` in the packages layer.
DELETED_BY_PACKAGES = ("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",)

CONFIG = {
    "Env": [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C.UTF-8",
        "PYTHONUNBUFFERED=1",
        "DB_PASSWORD=demo-Passw0rd-not-real",  # plants a secret for the masking demo
    ],
    "ExposedPorts": {"22/tcp": {}, "8000/tcp": {}},
    "WorkingDir": "/app",
    "Entrypoint": ["/app/start.sh"],
    "Cmd": ["--port", "8000"],
    "Labels": {
        "org.opencontainers.image.source": "https://example.invalid/dockwise-demo",
        "maintainer": "dockwise demo <demo@example.invalid>",
        "version": "1.0",
    },
}
HISTORY = [
    "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc0114f8f1e4ab5a3c2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
    " in / ",
    "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl"
    " openssl && rm -rf /var/lib/apt/lists/*",
    "RUN curl -fsSL https://example.invalid/install.sh | sh",
]
EMPTY_HISTORY = [
    (0, '/bin/sh -c #(nop)  CMD ["bash"]'),
    (1, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8"),
    (1, "ENV DB_PASSWORD=demo-Passw0rd-not-real"),
    (2, "WORKDIR /app"),
    (2, "EXPOSE map[22/tcp:{} 8000/tcp:{}]"),
    (2, "LABEL org.opencontainers.image.source=https://example.invalid/dockwise-demo"),
    (2, 'ENTRYPOINT ["/app/start.sh"]'),
    (2, 'CMD ["--port" "8000"]'),
]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo image to OUT_PATH in the chosen format."""
    parser = argparse.ArgumentParser(description="Build the dockwise demo image.")
    parser.add_argument("out_path", type=Path, metavar="OUT_PATH")
    parser.add_argument("--format", choices=("docker-archive", "oci-archive"),
                        default="docker-archive")
    parser.add_argument("--compression", choices=("gzip", "zstd", "none"), default="gzip")
    args = parser.parse_args(argv)
    spec = demo_spec(args.compression)
    args.out_path.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "docker-archive":
        write_docker_archive(spec, args.out_path, tags=(TAG,))
    else:
        name, _, tag = TAG.partition(":")
        write_oci_archive(spec, args.out_path, index_annotations={
            REF_NAME: tag, "io.containerd.image.name": f"docker.io/library/{name}:{tag}"})
    return 0


def demo_spec(compression: Compression = "gzip") -> ImageSpec:
    """The demo image, ready for any imagepack writer."""
    return ImageSpec(
        layers=[base_layer(), packages_layer(), app_layer()],
        config=CONFIG,
        history=HISTORY,
        empty_history=EMPTY_HISTORY,
        compression=compression,
        created=CREATED,
    )


def base_layer() -> list[Member]:
    """Debian bookworm as the official image lays it out."""
    links = [Member(path, kind="symlink", target=target) for path, target in BASE_SYMLINKS.items()]
    return with_parent_dirs([*tree_members(ROOTFS / "1-debian"), *links])


def packages_layer() -> list[Member]:
    """What apt-get install leaves: new files, a rewritten status and deleted apt lists."""
    added = ROOTFS / "2-packages.status-added"
    stanzas = [*_stanzas(ROOTFS / "1-debian" / STATUS), *_stanzas(added)]
    status = Member(STATUS, ("\n\n".join(sorted(stanzas)) + "\n").encode())
    deleted = [whiteout(path) for path in DELETED_BY_PACKAGES]
    return with_parent_dirs([*tree_members(ROOTFS / "2-packages"), status, *deleted])


def app_layer() -> list[Member]:
    """/app and the Python packages that the install script drops."""
    return with_parent_dirs(tree_members(ROOTFS / "3-app"))


def tree_members(root: Path) -> list[Member]:
    """Regular files under `root`; modes are set here, not taken from the checkout."""
    members = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            name = path.relative_to(root).as_posix()
            mode = 0o755 if name in EXECUTABLES else 0o644
            members.append(Member(name, path.read_bytes(), mode=mode))
    return members


def with_parent_dirs(members: Iterable[Member]) -> list[Member]:
    """Sort by path and add each parent directory, as ``docker build`` writes layers."""
    members = list(members)
    present = {member.path for member in members}
    parents = {"/".join(member.path.split("/")[:depth])
               for member in members for depth in range(1, member.path.count("/") + 1)}
    dirs = [Member(path, kind="dir") for path in parents - present]
    return sorted([*dirs, *members], key=lambda member: member.path)


def _stanzas(path: Path) -> list[str]:
    """The paragraphs of a dpkg status file (deb822: blank-line separated)."""
    return [stanza for stanza in path.read_text().strip().split("\n\n") if stanza]


if __name__ == "__main__":
    sys.exit(main())
