"""What every image source gives the pipeline: the image's facts and its layers.

The layer reader (source/layer.py: isal, zstandard, the tar walk) is imported only when a
layer is analysed: a re-scan answered by the inventory cache opens the image and never
reads one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from dockwise.model import ImageInfo, Inventory, LayerRef
from dockwise.source.blob import Blob

if TYPE_CHECKING:
    from dockwise.source.filetree import LayerAnalysis
    from dockwise.source.selector import Selector


class Layer(Protocol):
    """One layer, analysed in a single pass on request."""

    ref: LayerRef

    def analyze(self, selector: Selector) -> LayerAnalysis: ...


@dataclass(frozen=True, slots=True)
class Image:
    """An opened image: its facts and its layers, bottom first."""

    info: ImageInfo
    layers: Sequence[Layer]
    inventory: Inventory | None = None  # an SBOM source brings its inventory ready-made
    config: Mapping[str, Any] | None = None  # the config as stored (`dockwise patch` keeps it)


@dataclass(frozen=True, slots=True)
class BlobLayer:
    """A layer stored as a (possibly compressed) tar blob."""

    ref: LayerRef
    blob: Blob

    def analyze(self, selector: Selector) -> LayerAnalysis:
        from dockwise.source import layer

        return layer.analyze_blob(self.blob, self.ref, selector)
