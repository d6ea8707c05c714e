"""Build a small image in tmp_path and inventory it the way `dockwise sbom` does."""

from __future__ import annotations

from dockwise.analyze import analyzers
from dockwise.catalog import CATALOGERS, catalog, wanted_globs
from dockwise.model import Inventory
from dockwise.source import open_source
from dockwise.source.filetree import FileTree
from dockwise.source.selector import Selector
from tools.imagepack import ImageSpec, Member, write_oci_archive

__all__ = ["Member", "inventory_of", "tree_of"]


def tree_of(tmp_path, layers: list[list[Member]]) -> FileTree:
    path = tmp_path / "image.tar"
    write_oci_archive(ImageSpec(layers=layers), path)
    image = open_source(str(path))
    selector = Selector.build(wanted_globs(CATALOGERS), analyzers())
    return FileTree.from_layers(layer.analyze(selector) for layer in image.layers)


def inventory_of(tmp_path, layers: list[list[Member]], catalogers=CATALOGERS) -> Inventory:
    return catalog(tree_of(tmp_path, layers), catalogers)
