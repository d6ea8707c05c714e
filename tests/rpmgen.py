"""Build real rpm databases with the rpm tools, for round-trip tests.

Needs `rpmbuild` and `rpm` on PATH (Debian/Ubuntu: `apt-get install rpm`). Nothing is
skipped when they are missing: the caller fails, so CI cannot pass by accident.
Debian's rpm 4.18 writes the SQLite backend only (asking for ndb or bdb silently gives
a dummy database), so these cover `rpmdb.sqlite` and the header blobs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

NONE = "(none)"  # what --queryformat prints for a missing tag
QUERY = (
    "%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{VENDOR}\t%{LICENSE}"
    "[\t%{FILENAMES}]\n"
)


@dataclass(frozen=True)
class SpecPackage:
    """One source package to build; `subpackage` adds a binary package with another name."""

    name: str
    version: str
    release: str = "1"
    epoch: int | None = None
    files: int = 1
    license: str = "MIT"
    vendor: str = ""
    subpackage: str = ""
    modularity_label: str = ""  # `<module>:<stream>:<version>:<context>`, as dnf modules set

    def spec(self) -> str:
        """A minimal noarch spec whose %install writes `files` files over a few dirs."""
        lines = [f"Name: {self.name}", f"Version: {self.version}", f"Release: {self.release}"]
        lines += [f"Epoch: {self.epoch}"] if self.epoch is not None else []
        lines += [f"Vendor: {self.vendor}"] if self.vendor else []
        label = self.modularity_label
        lines += [f"%define modularitylabel {label}"] if label else []
        lines += [f"License: {self.license}", "Summary: test", "BuildArch: noarch"]
        lines += ["%description", "test", "%install", f"d=%{{buildroot}}/usr/share/{self.name}"]
        loop = "mkdir -p $d/d$((i % 7)); echo $i > $d/d$((i % 7))/f$i"
        lines += [f"for i in $(seq 1 {self.files}); do {loop}; done"]
        if self.subpackage:
            lines += [f"mkdir -p %{{buildroot}}/usr/lib/{self.subpackage}"]
            lines += [f"echo lib > %{{buildroot}}/usr/lib/{self.subpackage}/lib.so"]
            lines += [f"%package -n {self.subpackage}", "Summary: sub"]
            lines += [f"%description -n {self.subpackage}", "sub"]
            lines += [f"%files -n {self.subpackage}", f"/usr/lib/{self.subpackage}"]
        lines += ["%files", f"/usr/share/{self.name}", ""]
        return "\n".join(lines)


DEFAULT_PACKAGES = (
    SpecPackage("plain", "1.0"),
    SpecPackage("epoch-zero", "2.0", epoch=0),
    SpecPackage("epoch-one", "0.5", "3.el9_3", epoch=1),
    SpecPackage("big-epoch", "7", epoch=42, license="GPL-2.0-or-later AND MIT"),
    SpecPackage("tilde", "1.0~rc1", "0.1.fc40"),
    SpecPackage("caret", "1.0^20240101git1abc", "2"),
    SpecPackage("plus-and-under", "11.2.1+git610_3", "1.3.9", vendor="Example, Inc."),
    SpecPackage("many-files", "3.1", files=2000),
    SpecPackage("openssl", "3.0.7", "25.el9_3", epoch=1, subpackage="openssl-libs"),
)


def build_rpms(packages: Sequence[SpecPackage], workdir: Path) -> list[Path]:
    """rpmbuild each spec in its own topdir, in parallel; returns the binary rpms."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        built = list(pool.map(lambda p: _build(p, workdir / p.name), packages))
    return [rpm for rpms in built for rpm in rpms]


def _build(package: SpecPackage, topdir: Path) -> list[Path]:
    (topdir / "SPECS").mkdir(parents=True)
    spec = topdir / "SPECS" / f"{package.name}.spec"
    spec.write_text(package.spec())
    _run(["rpmbuild", "--define", f"_topdir {topdir}", "-bb", str(spec)])
    return sorted((topdir / "RPMS").rglob("*.rpm"))


def install(rpms: Sequence[Path], dbpath: Path) -> Path:
    """Record the rpms in a fresh database (no files written); returns its rpmdb.sqlite."""
    dbpath.mkdir(parents=True, exist_ok=True)
    _run(["rpm", "--dbpath", str(dbpath), "--initdb"])
    base = ["rpm", "--dbpath", str(dbpath), "--justdb", "--nodeps", "--noscripts", "-i"]
    _run(base + [str(r) for r in rpms])
    return dbpath / "rpmdb.sqlite"


def query(dbpath: Path) -> list[dict]:
    """What `rpm -qa` says is installed: one dict per package, files root-relative."""
    out = _run(["rpm", "--dbpath", str(dbpath), "-qa", "--qf", QUERY])
    rows = []
    for line in out.splitlines():
        name, epoch, version, release, arch, srpm, vendor, license_, *files = line.split("\t")
        rows.append(
            {
                "name": name,
                "epoch": None if epoch == NONE else int(epoch),
                "version": version,
                "release": release,
                "arch": arch,
                "source_rpm": srpm,
                "vendor": "" if vendor == NONE else vendor,
                "license": license_,
                "files": tuple(f.lstrip("/") for f in files),
            }
        )
    return rows


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout
