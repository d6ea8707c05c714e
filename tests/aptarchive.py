"""A tiny signed apt archive made in a test, served on loopback: what `dockwise build`
reads instead of Debian's archive, so no test depends on what the archive publishes.

Packages are built with `dpkg-deb --build`, indexed and released with `apt-ftparchive`,
and the Release is signed (InRelease, Release.gpg) with a throwaway OpenPGP key made with
gpg: apt checks the signature and every package hash exactly as it does for Debian.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SUITE = "bookworm"
OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
    'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
)


@dataclass(frozen=True)
class Deb:
    """One package to build: its files ({path: content}; `->target` makes a symlink)."""

    name: str
    version: str
    files: Mapping[str, str] = field(default_factory=dict)
    depends: str = ""
    conffiles: tuple[str, ...] = ()
    executables: tuple[str, ...] = ()
    architecture: str = "amd64"
    scripts: Mapping[str, str] = field(default_factory=dict)  # maintainer scripts by name


@dataclass(frozen=True)
class Archive:
    root: Path
    keyring: Path  # the public key apt must trust (mmdebstrap --keyring)
    debs: dict[tuple[str, str], Path]  # (package, version) -> .deb in the pool

    def sha256(self, name: str, version: str) -> str:
        return hashlib.sha256(self.debs[name, version].read_bytes()).hexdigest()


def build_deb(deb: Deb, work: Path) -> Path:
    """`dpkg-deb --build` of a package tree written from `deb`."""
    tree = work / f"{deb.name}_{deb.version}"
    control = tree / "DEBIAN"
    control.mkdir(parents=True)
    for path, content in deb.files.items():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if content.startswith("->"):
            target.symlink_to(content[2:])
        else:
            target.write_text(content)
            target.chmod(0o755 if path in deb.executables else 0o644)
    fields = {"Package": deb.name, "Version": deb.version, "Architecture": deb.architecture,
              "Maintainer": "Test <test@example.invalid>", "Depends": deb.depends,
              "Description": f"{deb.name} for dockwise build tests"}  # fmt: skip
    (control / "control").write_text("".join(f"{k}: {v}\n" for k, v in fields.items() if v))
    (control / "md5sums").write_text(_md5sums(tree, deb))
    for name, script in deb.scripts.items():
        (control / name).write_text(script)
        (control / name).chmod(0o755)
    if deb.conffiles:
        (control / "conffiles").write_text("".join(f"/{c}\n" for c in deb.conffiles))
    out = work / f"{deb.name}_{deb.version}_{deb.architecture}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(tree), str(out)],
                   check=True, capture_output=True)  # fmt: skip
    return out


def _md5sums(tree: Path, deb: Deb) -> str:
    """What dh_md5sums writes: every regular file but the conffiles."""
    lines = []
    for path, content in sorted(deb.files.items()):
        if not content.startswith("->") and path not in deb.conffiles:
            lines.append(f"{hashlib.md5((tree / path).read_bytes()).hexdigest()}  {path}\n")
    return "".join(lines)


def make_archive(root: Path, suites: Mapping[str, list[Deb]], gnupg: Path) -> Archive:
    """A signed archive: each suite (`bookworm`, `bookworm-security`...) with component
    `main` for amd64, its packages in `pool/<suite>/`, all signed by one throwaway key."""
    built: dict[tuple[str, str], Path] = {}
    for suite, debs in suites.items():
        pool = root / "pool" / suite
        pool.mkdir(parents=True)
        for deb in debs:
            built[deb.name, deb.version] = build_deb(deb, root.parent).rename(
                pool / f"{deb.name}.deb")  # fmt: skip
        _index(root, suite)
    keyring = root.parent / "archive-keyring.gpg"
    gpg = _gpg(gnupg, keyring)
    for suite in suites:
        dist = root / "dists" / suite
        _run([*gpg, "--yes", "--clearsign", "-o", "InRelease", "Release"], dist)
        _run([*gpg, "--yes", "--detach-sign", "-o", "Release.gpg", "Release"], dist)
    return Archive(root, keyring, built)


def _index(root: Path, suite: str) -> None:
    """Packages and Release of one suite, by apt-ftparchive."""
    dist = root / "dists" / suite
    binary = dist / "main" / "binary-amd64"
    binary.mkdir(parents=True)
    (binary / "Packages").write_bytes(_run(["apt-ftparchive", "packages", f"pool/{suite}"], root))
    options = [f"-oAPT::FTPArchive::Release::{k}={v}" for k, v in (
        ("Origin", "dockwise-test"), ("Suite", suite), ("Codename", suite),
        ("Architectures", "amd64"), ("Components", "main"))]  # fmt: skip
    (dist / "Release").write_bytes(_run(["apt-ftparchive", *options, "release", "."], dist))


def _gpg(gnupg: Path, keyring: Path) -> list[str]:
    """A throwaway signing key in `gnupg`; its public key written to `keyring`; the gpg
    command line that signs with it."""
    gnupg.mkdir(mode=0o700, parents=True, exist_ok=True)
    gpg = ["gpg", "--homedir", str(gnupg), "--batch", "--pinentry-mode", "loopback",
           "--passphrase", ""]  # fmt: skip
    _run([*gpg, "--quick-gen-key", "dockwise test archive <archive@test.invalid>",
          "ed25519", "sign", "never"], gnupg)  # fmt: skip
    keyring.write_bytes(_run([*gpg, "--export"], gnupg))
    return gpg


def _run(argv: list[str], cwd: Path) -> bytes:
    return subprocess.run(argv, cwd=cwd, check=True, capture_output=True).stdout


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve `root` over HTTP on loopback; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass
