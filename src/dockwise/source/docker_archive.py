"""`docker save` output: the classic layout and the OCI-in-tar layout of Docker 25+.

The classic layout has `manifest.json` ([{Config, RepoTags, Layers}]) with a config
named `<sha256>.json` and uncompressed `<id>/layer.tar` layers whose only digests are
the config's diff_ids. Docker 25+ adds `index.json` and `blobs/sha256/`; then the
OCI path is taken, which also knows the manifest digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from dockwise.errors import SourceError
from dockwise.source.base import BlobLayer, Image
from dockwise.source.blob import Blob
from dockwise.source.blobstore import TarStore, read_small
from dockwise.source.imageconfig import DIGEST, diff_ids, image_info, layer_refs, parse_json
from dockwise.source.oci import Platform, open_layout
from dockwise.untrusted import load_json

SCHEME = "docker-archive"


def open_docker_archive(path: Path, source: str, platform: Platform | None) -> Image:
    store = TarStore(path)
    entry = _manifest_entry(store)
    if store.exists("index.json") and store.exists("oci-layout"):
        image = open_layout(store, source, SCHEME, platform)
        tags = tuple(t for t in entry.get("RepoTags") or () if isinstance(t, str))
        return dataclasses.replace(image, info=dataclasses.replace(image.info, repo_tags=tags))
    return _classic(store, entry, source)


def _manifest_entry(store: TarStore) -> dict[str, Any]:
    raw = read_small(store, "manifest.json")
    try:
        doc = load_json(raw)
    except ValueError as exc:
        raise SourceError(f"manifest.json: {exc}") from None
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        raise SourceError("manifest.json: expected a list of image entries")
    if len(doc) > 1:
        tags = ", ".join(
            str(t) for e in doc if isinstance(e, dict) for t in e.get("RepoTags") or ()
        )
        raise SourceError(
            f"the archive holds {len(doc)} images ({tags}); save one image per archive"
        )
    return doc[0]


def _classic(store: TarStore, entry: dict[str, Any], source: str) -> Image:
    config_name = entry.get("Config")
    layer_names = entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise SourceError("manifest.json: Config or Layers missing")
    raw = read_small(store, config_name)
    config_digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    expected = "sha256:" + Path(config_name).name.removesuffix(".json")
    if DIGEST.match(expected) and expected != config_digest:
        raise SourceError(f"blob {config_name}: digest mismatch (got {config_digest})")
    config = parse_json(raw, f"config {config_name}")
    ids = diff_ids(config, f"config {config_name}")
    if len(ids) != len(layer_names) or not all(isinstance(n, str) for n in layer_names):
        raise SourceError(
            f"manifest.json: {len(layer_names)} layers but the config lists {len(ids)}"
        )
    sizes = [store.size(name) for name in layer_names]
    refs = layer_refs(config, ids, [""] * len(ids), sizes)
    layers = [
        BlobLayer(ref, Blob(name, _opener(store, name), size, "", ref.diff_id))
        for ref, name, size in zip(refs, layer_names, sizes, strict=True)
    ]
    tags = tuple(t for t in entry.get("RepoTags") or () if isinstance(t, str))
    info = image_info(
        config, refs, source=source, scheme=SCHEME, config_digest=config_digest, repo_tags=tags
    )
    return Image(info, layers, config=config)


def _opener(store: TarStore, name: str):
    return lambda: store.open(name)
