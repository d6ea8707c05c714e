"""The one key function of the layer and image caches (as trivy's pkg/cache/key.go).

A key covers what the entry is about (a layer's digest; an image's config and layers)
and everything that decides its content: dockwise's version and code, and the
selector's fingerprint (the catalogers' globs and caps, each analyzer's name, globs and
cap). No run option changes what an analysis or an inventory holds (the platform picks
the image, registry access how it is reached, `--no-cache` whether the cache is used at
all); an option that did would join the key here, and only here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from dockwise.model import LayerRef
from dockwise.version import __version__

if TYPE_CHECKING:
    from dockwise.source.selector import Selector

FORMAT = 3  # of the entries; 2: analyses record the layer's uncompressed tar size;
# 3: a layer's entries as paths, kinds and the kinds' values
SELECTORS = "selectors"  # under the cache root: `remembered_fingerprint`'s files


class Fingerprinted(Protocol):
    """A `Selector`, or what stands for one when only its fingerprint is needed."""

    def fingerprint(self) -> list: ...


def cache_key(kind: str, subject: Sequence[str], selector: Fingerprinted) -> str | None:
    """None when a part of the subject is missing: nothing to trust (a directory source)."""
    if not subject or not all(subject):
        return None
    parts = [FORMAT, kind, __version__, _code_stamp(), selector.fingerprint(), list(subject)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def layer_key(layer: LayerRef, selector: Selector) -> str | None:
    """The key of one layer's analysis."""
    return cache_key("layer", [_digest(layer)], selector)


def image_key(config_digest: str, layers: Sequence[LayerRef], selector: Fingerprinted
              ) -> str | None:  # fmt: skip
    """The key of a whole image's inventory: its config and every layer."""
    return cache_key("inventory", [config_digest, *map(_digest, layers)], selector)


def remembered_fingerprint(root: Path, variant: object, compute: Callable[[], list]) -> list:
    """The selector's fingerprint as an earlier run of this same code (and `variant`, the
    run options that change it) computed it: a warm re-scan then needs the key without
    importing a single cataloger or analyzer (about a third of its time). The file is
    named by version, code stamp and variant, so it can never describe other code."""
    name = hashlib.sha256(json.dumps([__version__, _code_stamp(), variant]).encode()).hexdigest()
    path = root / SELECTORS / name
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    found = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            json.dump(found, f)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the imports next time
    return found


def _digest(layer: LayerRef) -> str:
    return layer.diff_id or layer.digest


_CODE_STAMP: list[str] = []


def _code_stamp() -> str:
    """Sizes and mtimes of dockwise's own files (code and rule data alike): an edited
    checkout or a changed rule invalidates entries."""
    if not _CODE_STAMP:
        package = Path(__file__).parents[1]
        stamp = hashlib.sha256()
        for relative, st in sorted(_package_files(str(package), "")):
            stamp.update(f"{relative}:{st.st_size}:{st.st_mtime_ns}".encode())
        _CODE_STAMP.append(stamp.hexdigest())
    return _CODE_STAMP[0]


def _package_files(directory: str, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
    """(path relative to the package, stat) of every file but bytecode: os.scandir, as
    pathlib's rglob took 10 ms of every cold run for the package's 500 files."""
    with os.scandir(directory) as entries:
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    yield from _package_files(entry.path, relative + "/")
            elif entry.is_file() and not entry.name.endswith(".pyc"):
                yield relative, entry.stat()
