#!/usr/bin/env python3
"""Issue 4's "Done means" check: dockwise's pip and npm packages == pip's and npm's own view.

  expected  the image's layers are read with Python's `tarfile` (not dockwise) and
            one folder is extracted into a temp dir, layer by layer, honouring
            `.wh.NAME` and `.wh..wh..opq` whiteouts; then
              debian-python: `pip list --path <tmp>/usr/local/lib/python3.11/dist-packages`
              debian-node:   `npm ls --all --json` in <tmp>/app
            name it; npm ls's tree is flattened to name@version pairs.
  actual    `dockwise sbom -f json IMAGE`: packages of type pypi (npm) whose metadata
            file lies in that folder.

Python names are compared after PEP 503 normalisation (pip prints them as written,
and so do we, but the two may come from different files, e.g. METADATA vs RECORD).
Prints both sides' counts and any difference; exit 1 on a difference, 2 when the
check itself cannot run.

    python bench/check_languages.py --images /work/images/out
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_dpkg import clean, layer_members, open_layer  # noqa: E402 - shared tar reading

Pair = tuple[str, str]


@dataclass(frozen=True)
class Check:
    image: str
    folder: str  # extracted from the image, root-relative
    ptype: str  # dockwise package type
    under: str  # dockwise packages whose location starts with this
    native: Callable[[Path], set[Pair]]  # the package manager's own listing


def pip_list(root: Path) -> set[Pair]:
    out = _run(["pip", "list", "--path", str(root), "--format", "json"], root)
    return {(_pep503(p["name"]), p["version"]) for p in json.loads(out)}


def npm_ls(root: Path) -> set[Pair]:
    # npm ls exits 1 on problems (extraneous, missing) and still prints the tree.
    out = subprocess.run(
        ["npm", "ls", "--all", "--json"], cwd=root, capture_output=True, text=True
    ).stdout
    pairs: set[Pair] = set()
    _flatten(json.loads(out).get("dependencies", {}), pairs)
    return pairs


def _flatten(dependencies: dict, pairs: set[Pair]) -> None:
    for name, node in dependencies.items():
        if "version" in node:
            pairs.add((name, node["version"]))
        _flatten(node.get("dependencies", {}), pairs)


PY_SITE = "usr/local/lib/python3.11/dist-packages"
CHECKS = (
    Check("debian-python", PY_SITE, "pypi", PY_SITE + "/", pip_list),
    Check("debian-node", "app", "npm", "app/node_modules/", npm_ls),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, default=Path("/work/images/out"))
    args = parser.parse_args(argv)
    failed = False
    for check in CHECKS:
        image = args.images / f"{check.image}.docker.tar"
        if not image.exists():
            print(f"{check.image}: {image} missing", file=sys.stderr)
            return 2
        failed |= not run_check(check, image)
    return 1 if failed else 0


def run_check(check: Check, image: Path) -> bool:
    with tempfile.TemporaryDirectory(prefix="check-languages-") as tmp:
        root = Path(tmp)
        extract_folder(image, check.folder, root)
        expected = check.native(root / check.folder)
    actual = dockwise_pairs(image, check)
    missing, extra = expected - actual, actual - expected
    verdict = "OK" if not missing and not extra else "DIFFERENT"
    print(
        f"{check.image}: {check.folder}: native {len(expected)}, dockwise {len(actual)}: {verdict}"
    )
    for name, version in sorted(missing):
        print(f"  missing from dockwise: {name} {version}")
    for name, version in sorted(extra):
        print(f"  only in dockwise:      {name} {version}")
    return verdict == "OK"


def dockwise_pairs(image: Path, check: Check) -> set[Pair]:
    argv = [sys.executable, "-m", "dockwise", "sbom", "-f", "json", str(image)]
    sbom = json.loads(_run(argv, Path.cwd()))
    normalize = _pep503 if check.ptype == "pypi" else str
    return {
        (normalize(p["name"]), p["version"])
        for p in sbom["packages"]
        if p["type"] == check.ptype and p["location"]["path"].startswith(check.under)
    }


# ---------------------------------------------------------------- one folder, with tarfile


def extract_folder(image: Path, folder: str, dest: Path) -> None:
    """Apply each layer's entries under `folder` (and whiteouts over it) to dest."""
    with tarfile.open(image) as outer:
        for member in layer_members(outer, "docker-archive"):
            with open_layer(outer, member) as layer:
                for entry in layer:
                    path = clean(entry.name)
                    if path is not None and _inside(path, folder):
                        _apply(layer, entry, path, dest)


def _inside(path: str, folder: str) -> bool:
    parent, base = posixpath.split(path)
    if base.startswith(".wh."):
        path = posixpath.join(parent, base[4:]) if base != ".wh..wh..opq" else parent
    return path == folder or path.startswith(folder + "/") or folder.startswith(path + "/")


def _apply(layer: tarfile.TarFile, entry: tarfile.TarInfo, path: str, dest: Path) -> None:
    parent, base = posixpath.split(path)
    if base == ".wh..wh..opq":
        for child in (dest / parent).glob("*") if (dest / parent).is_dir() else ():
            _remove(child)
    elif base.startswith(".wh."):
        _remove(dest / parent / base[4:])
    elif entry.isdir():
        (dest / path).mkdir(parents=True, exist_ok=True)
    else:
        _write(layer, entry, dest / path, dest)


def _write(layer: tarfile.TarFile, entry: tarfile.TarInfo, target: Path, dest: Path) -> None:
    _remove(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if entry.isreg():
        with layer.extractfile(entry) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
    elif entry.issym():
        target.symlink_to(entry.linkname)
    elif entry.islnk() and (dest / (clean(entry.linkname) or "-")).is_file():
        shutil.copyfile(dest / clean(entry.linkname), target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(argv: list[str], cwd: Path) -> str:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True).stdout


if __name__ == "__main__":
    sys.exit(main())
