"""The package set, installed by Debian's mmdebstrap, and what went in, recorded.

mmdebstrap does what must not be reimplemented: dependency resolution (apt), the archive's
signed `InRelease` and every package's hash (apt again). Its `extract` variant unpacks the
packages without running a maintainer script, so no shell or dpkg is needed in the image
(the distroless way); its extract hook copies out the `.deb` files and index files apt
verified, from which dockwise writes the dpkg records and the build record.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

from dockwise.build.distro import resolve
from dockwise.build.spec import BuildSpec
from dockwise.catalog.dpkg import stanzas
from dockwise.errors import DockwiseError

MAINTAINER_SCRIPTS = ("preinst", "postinst", "prerm", "postrm", "config", "triggers")
SHELLS = ("dash", "bash", "busybox", "zsh", "mksh")  # `shell = true` adds the first


class BootstrapError(DockwiseError):
    """mmdebstrap could not install the package set."""


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    """One `Release`/`InRelease` apt read: the archive state the packages came from."""

    name: str  # apt's list file name: host_path_dists_suite_InRelease
    sha256: str
    origin: str
    suite: str
    codename: str
    date: str  # RFC 2822, as the archive wrote it

    @property
    def epoch(self) -> int:
        return int(parsedate_to_datetime(self.date).timestamp()) if self.date else 0


@dataclass(frozen=True, slots=True)
class DebPackage:
    """One package installed: its control stanza and md5sums, and the `.deb`'s hash that
    apt checked against the signed index."""

    name: str
    version: str
    architecture: str
    source: str
    sha256: str
    size: int
    filename: str
    control: bytes  # the DEBIAN/control file, written to status.d
    md5sums: bytes  # DEBIAN/md5sums ("" if the package has none)
    conffiles: tuple[str, ...]  # DEBIAN/conffiles: absolute paths
    built: int  # the newest mtime in its control archive: when the package was built
    scripts: tuple[str, ...] = ()  # its maintainer scripts (none is ever run)


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """mmdebstrap's root filesystem tarball and what it was made of."""

    rootfs: Path  # a tar, members named ./path
    releases: tuple[ReleaseFile, ...]
    packages: tuple[DebPackage, ...]
    command: tuple[str, ...]  # mmdebstrap's command line, ROOTFS for the output path

    @property
    def packages_epoch(self) -> int:
        """The newest package's build time: the default SOURCE_DATE_EPOCH, so the same
        package set gives the same image whenever it is built (the archive's Release
        dates move with every archive run, packages changed or not)."""
        return max((p.built for p in self.packages), default=0)


def bootstrap(spec: BuildSpec, work: Path, epoch: int | None) -> Bootstrap:
    """Run mmdebstrap for `spec` in `work`; `epoch` is SOURCE_DATE_EPOCH when set."""
    state, rootfs = work / "state", work / "rootfs.tar"
    state.mkdir(parents=True)
    command = _command(spec)
    with readable_keyring(spec.distribution.keyring) as keyring:
        paths = {"ROOTFS": str(rootfs), "KEYRING": keyring, "STATE": str(state)}
        _run(command, paths, epoch)
    releases = tuple(_release(p) for p in sorted((state / "lists").glob("*Release")))
    debs = tuple(read_deb(p) for p in sorted((state / "archives").glob("*.deb")))
    return Bootstrap(rootfs, releases, debs, command)


def _command(spec: BuildSpec) -> tuple[str, ...]:
    """mmdebstrap's command line without the scratch paths (recorded in the provenance);
    `_run` adds the extract hook and the output tarball."""
    codename, sources = resolve(spec.distribution)
    packages = list(spec.packages)
    if spec.shell and not any(p.split("=")[0] in SHELLS for p in packages):
        packages.append(SHELLS[0])
    keyring = ["--keyring=KEYRING"] if spec.distribution.keyring else []
    return (
        "mmdebstrap", "--variant=extract", "--mode=auto", "--format=tar",
        f"--include={','.join(packages)}", *keyring, codename, "ROOTFS", *sources,
    )  # fmt: skip


def _run(command: tuple[str, ...], paths: dict[str, str], epoch: int | None) -> None:
    """Run `command` with its placeholders (ROOTFS, KEYRING) replaced by `paths`; the
    extract hook copies apt's downloads and index files to `paths["STATE"]`."""
    executable = shutil.which("mmdebstrap")
    if executable is None:
        raise BootstrapError("mmdebstrap is not installed (apt-get install mmdebstrap)")
    hook = f"--extract-hook=copy-out /var/cache/apt/archives /var/lib/apt/lists {paths['STATE']}"
    argv = [executable, hook, *(_placed(arg, paths) for arg in command[1:])]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BootstrapError(f"mmdebstrap failed: {_last_error(done.stderr)}")


def _placed(arg: str, paths: dict[str, str]) -> str:
    for name, path in paths.items():
        arg = path if arg == name else arg.replace(f"={name}", f"={path}")
    return arg


@contextmanager
def readable_keyring(keyring: str | None) -> Iterator[str]:
    """A copy of the spec's keyring that apt's unprivileged `_apt` user can read (its
    gpgv runs as that user, and a private temporary folder would hide the key)."""
    if keyring is None:
        yield ""
        return
    with tempfile.TemporaryDirectory(prefix="dockwise-keyring-") as directory:
        os.chmod(directory, 0o755)
        copy = Path(directory) / "keyring.gpg"
        try:
            shutil.copyfile(keyring, copy)
        except OSError as exc:
            raise BootstrapError(f"{keyring}: cannot read the keyring ({exc.strerror})") from None
        copy.chmod(0o644)
        yield str(copy)


def _last_error(stderr: str) -> str:
    """mmdebstrap's (or apt's) own error line: the one that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("E:", "W:")) and "failed" not in line]
    return (errors or lines or ["no output"])[0]


def _release(path: Path) -> ReleaseFile:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace")
    fields = next((s for s in stanzas(text) if "date" in s.fields), None)
    get = fields.get if fields else (lambda _name: "")
    return ReleaseFile(
        name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        origin=get("origin"),
        suite=get("suite"),
        codename=get("codename"),
        date=get("date"),
    )


def read_deb(path: Path) -> DebPackage:
    """The package's control data, read by dpkg-deb (the format's own tool)."""
    data = path.read_bytes()
    done = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(path)], capture_output=True)
    if done.returncode != 0:
        raise BootstrapError(f"{path.name}: not a readable .deb ({done.stderr.decode()[:200]})")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as control_tar:
        control = _member(control_tar, "control")
        md5sums = _member(control_tar, "md5sums")
        conffiles = _member(control_tar, "conffiles").decode("utf-8", "replace").split()
        built = max((int(m.mtime) for m in control_tar.getmembers()), default=0)
        scripts = tuple(s for s in MAINTAINER_SCRIPTS if _member(control_tar, s))
    stanza = next(stanzas(control.decode("utf-8", "replace")))
    return DebPackage(
        name=stanza.get("package"),
        version=stanza.get("version"),
        architecture=stanza.get("architecture"),
        source=stanza.get("source").split(" ")[0] or stanza.get("package"),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        filename=path.name,
        control=control,
        md5sums=md5sums,
        conffiles=tuple(c for c in conffiles if c.startswith("/")),
        built=built,
        scripts=scripts,
    )


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    for candidate in (f"./{name}", name):
        try:
            handle = archive.extractfile(candidate)
        except KeyError:
            continue
        return handle.read() if handle else b""
    return b""
