"""Conda packages installed in an environment, from its `conda-meta/*.json` records.

Format: one JSON record per installed package, written by conda (and mamba, pixi,
rattler) at link time: https://docs.conda.io/projects/conda/en/latest/dev-guide/deep-dives/install.html
(`name`, `version`, `build` or `build_string`, `channel`, `subdir`, `fn`, `license`,
`files` relative to the environment prefix, the folder holding `conda-meta/`).
Purl per https://github.com/package-url/purl-spec (type `conda`: `build`, `channel`,
`subdir` and `type` qualifiers).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import ManifestError, load_json_object, unreadable
from dockwise.catalog.purls import os_purl
from dockwise.model import Package, ScanWarning

MAX_CONDA_META_SIZE = 16 * 1024 * 1024  # records list every file: big packages reach MiBs
_ARCHIVE_TYPES = (".tar.bz2", ".conda")


class CondaMetaCataloger:
    """Packages of each conda environment in the image."""

    name = "conda-meta"
    globs = ("**/conda-meta/*.json",)
    reads: tuple[str, ...] = ()
    max_size = MAX_CONDA_META_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            record = load_json_object(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        name, version = record.get("name"), record.get("version")
        if not (isinstance(name, str) and name and isinstance(version, str) and version):
            return [ScanWarning("conda-meta record without a name and version", file.path,
                                file.layer)]  # fmt: skip
        return [conda_package(name, version, record, _prefix(file.path))]


def conda_package(name: str, version: str, record: dict, prefix: str) -> Package:
    """An installed conda package; its files are listed relative to the image root."""
    build = _text(record, "build") or _text(record, "build_string")
    subdir = _text(record, "subdir")
    channel = channel_name(_text(record, "channel"), subdir)
    qualifiers = {"build": build, "channel": channel, "subdir": subdir,
                  "type": _archive_type(_text(record, "fn") or _text(record, "url"))}  # fmt: skip
    files = record.get("files")
    license_ = _text(record, "license")
    meta = {"build": build, "channel": channel, "subdir": subdir, "noarch": _text(record, "noarch")}
    return Package(
        name=name,
        version=version,
        type="conda",
        purl=os_purl("conda", "", name, version, **qualifiers),
        licenses=(license_,) if license_ else (),
        files=tuple(posixpath.join(prefix, f.lstrip("/")) for f in files if isinstance(f, str))
        if isinstance(files, list)
        else (),
        metadata=tuple(sorted((k, v) for k, v in meta.items() if v)),
    )


def channel_name(channel: str, subdir: str) -> str:
    """`https://conda.anaconda.org/conda-forge/linux-64` -> `conda-forge`, as the purl
    spec names channels; a bare name stays as it is."""
    path = channel.rstrip("/")
    if subdir and path.endswith("/" + subdir):
        path = path[: -len(subdir) - 1]
    return path.rsplit("/", 1)[-1]


def _archive_type(filename: str) -> str:
    return next((t.lstrip(".") for t in _ARCHIVE_TYPES if filename.endswith(t)), "")


def _prefix(path: str) -> str:
    """The environment's root: the folder holding conda-meta/ (`opt/conda`)."""
    return posixpath.dirname(posixpath.dirname(path))


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""
