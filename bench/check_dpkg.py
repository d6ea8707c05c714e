#!/usr/bin/env python3
"""Issue 2's "Done means" check: dockwise's Debian packages == dpkg-query's, layer by layer.

For each test image (debian-min, debian-python, debian-node, debian-go) and each
form (docker-archive, oci-archive):

  expected  the image's layers are read with Python's `tarfile` (not dockwise);
            only var/lib/dpkg/ (without info/) is extracted, into a temp dir,
            layer by layer, honouring `.wh.NAME` and `.wh..wh..opq` whiteouts.
            After each layer `dpkg-query --admindir=<tmp>/var/lib/dpkg -W` lists
            the packages then installed (status `i`, or configured with triggers
            pending: `W`/`t`; `-W` also lists `rc` and half-installed packages,
            which are counted but not expected).  A package's layer is the first
            layer from which that name/version/arch stays installed to the top.
  actual    dockwise sbom FORM:PATH --format cyclonedx-json: components whose
            purl is pkg:deb/..., with the `dockwise:package:arch` and
            `dockwise:layer:index` properties.

Prints a summary per image and form; exit 1 on any difference, 2 when the check
itself cannot run.

    python bench/check_dpkg.py --images /work/images/out
"""

from __future__ import annotations

import argparse
import json
import posixpath
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sbom_bench import (  # noqa: E402 - the bench's image list and build logic
    DEFAULT_BUILD_SCRIPT,
    FORMS,
    IMAGES,
    default_images_dir,
    ensure_images,
    find_dockwise,
)

ADMIN = "var/lib/dpkg"
SKIP = ADMIN + "/info"  # per-package file lists: dpkg-query -W does not need them
INSTALLED = frozenset("iWt")  # the status letter of ${db:Status-Abbrev}
Pkg = tuple[str, str, str]  # name, version, arch


# ---------------------------------------------------------------- the image, read with tarfile


def layer_members(outer: tarfile.TarFile, form: str) -> list[tarfile.TarInfo]:
    """The layer blobs of the image's (first) manifest, bottom first."""

    def load(name: str) -> dict | list:
        return json.load(outer.extractfile(name))

    names = set(outer.getnames())
    if form == "docker-archive" and "manifest.json" in names:
        paths = load("manifest.json")[0]["Layers"]
    else:

        def blob(digest: str) -> str:
            return "blobs/" + digest.replace(":", "/", 1)

        doc = load("index.json")
        while "manifests" in doc:
            doc = load(blob(doc["manifests"][0]["digest"]))
        paths = [blob(layer["digest"]) for layer in doc["layers"]]
    return [outer.getmember(p) for p in paths]


def open_layer(outer: tarfile.TarFile, member: tarfile.TarInfo) -> tarfile.TarFile:
    raw = outer.extractfile(member)
    magic = raw.read(4)
    raw.seek(0)
    if magic == b"\x28\xb5\x2f\xfd":
        import zstandard

        raw = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return tarfile.open(fileobj=raw, mode="r|")
    return tarfile.open(fileobj=raw, mode="r|*")  # plain, gzip, bzip2, xz


def clean(name: str) -> str | None:
    path = posixpath.normpath("/" + name).lstrip("/")
    return None if ".." in path.split("/") else path


def relevant(path: str) -> bool:
    """Inside var/lib/dpkg, or a parent of it (a whiteout there removes the database)."""
    return (
        path == ADMIN or path.startswith(ADMIN + "/") or ADMIN.startswith(path + "/") or path == ""
    )


@dataclass
class LayerDelta:
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def extract_layer(layer: tarfile.TarFile, stage: Path) -> LayerDelta:
    """Write this layer's var/lib/dpkg files (not info/) under `stage`; collect whiteouts."""
    delta = LayerDelta()
    for m in layer:
        path = clean(m.name)
        if path is None:
            delta.warnings.append(f"{m.name}: climbs out of the root, skipped")
            continue
        parent, base = posixpath.split(path)
        if base == ".wh..wh..opq":
            if relevant(parent):
                delta.opaque.append(parent)
            continue
        if base.startswith(".wh."):
            target = posixpath.join(parent, base[4:])
            if relevant(target):
                delta.whiteouts.append(target)
            continue
        if wanted(path):
            write_entry(layer, m, stage, path, delta)
    return delta


def wanted(path: str) -> bool:
    in_admin = path == ADMIN or path.startswith(ADMIN + "/")
    return in_admin and not (path == SKIP or path.startswith(SKIP + "/"))


def write_entry(layer: tarfile.TarFile, m: tarfile.TarInfo, stage: Path, path: str, delta) -> None:
    dest = stage / path
    if m.isdir():
        dest.mkdir(parents=True, exist_ok=True)
    elif m.isreg():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with layer.extractfile(m) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    elif m.islnk() and (stage / (clean(m.linkname) or "-")).is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stage / clean(m.linkname), dest)
    else:
        delta.warnings.append(f"{path}: {m.type!r} entry not reproduced")


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def apply_layer(merged: Path, stage: Path, delta: LayerDelta) -> None:
    """Whiteouts hide what lower layers had; then this layer's files go on top."""
    for d in delta.opaque:
        target = merged / d
        if target.is_dir():
            for child in target.iterdir():
                remove(child)
    for w in delta.whiteouts:
        remove(merged / w)
    for src in sorted(stage.rglob("*")):
        dest = merged / src.relative_to(stage)
        if src.is_dir():
            if dest.exists() and not dest.is_dir():
                remove(dest)
            dest.mkdir(parents=True, exist_ok=True)
        else:
            if dest.is_dir():
                remove(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)


def dpkg_query(admindir: Path) -> tuple[Counter[Pkg], Counter[str]]:
    """Installed packages per dpkg-query -W, and the status abbreviations of the rest."""
    if not (admindir / "status").exists():
        return Counter(), Counter()
    (admindir / "updates").mkdir(exist_ok=True)  # dpkg-query insists on it
    out = subprocess.run(
        [
            "dpkg-query",
            f"--admindir={admindir}",
            "-W",
            "-f",
            "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed: Counter[Pkg] = Counter()
    other: Counter[str] = Counter()
    for line in out.splitlines():
        abbrev, name, version, arch = line.split("\t")
        if abbrev[1:2] in INSTALLED:
            installed[(name, version, arch)] += 1
        else:
            other[abbrev.strip()] += 1
    return installed, other


def expected_packages(
    archive: Path, form: str, work: Path
) -> tuple[dict[Pkg, int], Counter[str], list[str]]:
    """(package -> introducing layer, non-installed -W statuses, warnings), without dockwise."""
    merged = work / "merged"
    merged.mkdir()
    per_layer: list[Counter[Pkg]] = []
    warnings: list[str] = []
    other: Counter[str] = Counter()
    with tarfile.open(archive) as outer:
        for index, member in enumerate(layer_members(outer, form)):
            stage = work / f"layer{index}"
            stage.mkdir()
            with open_layer(outer, member) as layer:
                delta = extract_layer(layer, stage)
            warnings += [f"layer {index}: {w}" for w in delta.warnings]
            apply_layer(merged, stage, delta)
            installed, other = dpkg_query(merged / ADMIN)
            per_layer.append(installed)
    if not per_layer:
        return {}, other, warnings
    final = per_layer[-1]
    dup = [p for p, n in final.items() if n > 1]
    warnings += [f"dpkg-query lists {p} more than once" for p in dup]
    introduced = {}
    for pkg in final:
        layer = len(per_layer) - 1
        while layer > 0 and pkg in per_layer[layer - 1]:
            layer -= 1
        introduced[pkg] = layer
    return introduced, other, warnings


# ---------------------------------------------------------------- dockwise's answer


def dockwise_packages(
    dockwise: list[str], archive: Path, form: str, work: Path
) -> dict[Pkg, list[int | None]]:
    out = work / "sbom.cdx.json"
    proc = subprocess.run(
        [
            *dockwise,
            "sbom",
            f"{form}:{archive}",
            "--format",
            "cyclonedx-json",
            "-o",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dockwise exit {proc.returncode}: {proc.stderr.strip()}")
    found: dict[Pkg, list[int | None]] = {}
    for comp in json.loads(out.read_text()).get("components", []):
        if not comp.get("purl", "").startswith("pkg:deb/"):
            continue
        props = {p["name"]: p.get("value") for p in comp.get("properties", [])}
        layer = props.get("dockwise:layer:index")
        pkg = (comp["name"], comp.get("version", ""), props.get("dockwise:package:arch", ""))
        found.setdefault(pkg, []).append(int(layer) if layer is not None else None)
    return found


# ---------------------------------------------------------------- comparison


def compare(expected: dict[Pkg, int], actual: dict[Pkg, list[int | None]]) -> list[str]:
    show = lambda p: f"{p[0]} {p[1]} ({p[2]})"  # noqa: E731
    problems = []
    by_name_exp = {(p[0], p[2]): p for p in expected}
    for pkg in sorted(set(expected) - set(actual)):
        near = [a for a in actual if (a[0], a[2]) == (pkg[0], pkg[2])]
        hint = f"; dockwise has version {near[0][1]}" if near else ""
        problems.append(f"missing  {show(pkg)}{hint}")
    for pkg in sorted(set(actual) - set(expected)):
        if (pkg[0], pkg[2]) in by_name_exp:
            continue  # reported above as a version difference
        problems.append(f"extra    {show(pkg)}")
    for pkg, layers in sorted(actual.items()):
        if len(layers) > 1:
            problems.append(f"repeated {show(pkg)} x{len(layers)}")
        if pkg in expected and layers[0] != expected[pkg]:
            problems.append(
                f"layer    {show(pkg)}: dockwise says {layers[0]},"
                f" dpkg status first has it in {expected[pkg]}"
            )
    return problems


def check_one(image: str, form: str, archive: Path, dockwise: list[str], keep: bool) -> bool:
    work = Path(tempfile.mkdtemp(prefix=f"check-dpkg-{image}-{form}-"))
    try:
        expected, other, warnings = expected_packages(archive, form, work)
        actual = dockwise_packages(dockwise, archive, form, work)
        problems = compare(expected, actual)
    except (
        RuntimeError,
        OSError,
        tarfile.TarError,
        subprocess.CalledProcessError,
        KeyError,
        ValueError,
    ) as exc:
        print(f"{image:14} {form:15} ERROR {exc}")
        return False
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    layers = Counter(expected.values())
    spread = ", ".join(f"L{k}:{v}" for k, v in sorted(layers.items()))
    others = f"; -W also lists {dict(other)} (not installed)" if other else ""
    verdict = "OK" if not problems else f"{len(problems)} DIFFERENCES"
    found = sum(map(len, actual.values()))
    print(
        f"{image:14} {form:15} dpkg-query {len(expected):4}  dockwise {found:4}  "
        f"layers [{spread}]  {verdict}{others}"
    )
    for w in warnings:
        print(f"    warning: {w}")
    for p in problems:
        print(f"    {p}")
    return not problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--images",
        type=Path,
        default=default_images_dir(),
        help="directory of <image>.docker.tar / <image>.oci.tar"
        " (built when missing; default %(default)s)",
    )
    p.add_argument("--image", action="append", choices=IMAGES, help="repeatable; default all four")
    p.add_argument("--form", action="append", choices=list(FORMS), help="repeatable; default both")
    p.add_argument("--dockwise", help="command to run instead of the dockwise beside this python")
    p.add_argument("--build-script", type=Path, default=DEFAULT_BUILD_SCRIPT)
    p.add_argument("--keep", action="store_true", help="keep the extracted temp dirs")
    args = p.parse_args(argv)
    if not shutil.which("dpkg-query"):
        print("check_dpkg: dpkg-query not found (Debian package dpkg)", file=sys.stderr)
        return 2
    images = args.image or list(IMAGES)
    ensure_images(args.images, images, args.build_script)
    dockwise = find_dockwise(args.dockwise)
    ok = True
    for image in images:
        for form in args.form or list(FORMS):
            ok &= check_one(image, form, args.images / (image + FORMS[form]), dockwise, args.keep)
    print("all match" if ok else "DIFFERENCES FOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
