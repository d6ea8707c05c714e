"""Whole inventories of images scanned before, under `<root>/images/`."""

from __future__ import annotations

import json
from pathlib import Path

from dockwise.cache.keys import image_key
from dockwise.cache.store import KeyedDir
from dockwise.errors import DockwiseError
from dockwise.model import ScanResult

DEFAULT_IMAGE_CAP = 256 << 20  # inventories are a few hundred KiB each


class ImageCache(KeyedDir):
    """A re-scan of an unchanged image reads neither its layers nor their analyses."""

    key = staticmethod(image_key)

    def __init__(self, root: Path, cap: int = DEFAULT_IMAGE_CAP) -> None:
        super().__init__(root / "images", cap)

    def load_result(self, key: str) -> ScanResult | None:
        """An inventory stored by `store_result` (the native JSON, file lists included)."""
        from dockwise.model_json import from_json

        data = self._read(key)
        try:
            return None if data is None else from_json(json.loads(data), "cached")
        except (ValueError, DockwiseError):
            return None

    def store_result(self, key: str, result: ScanResult) -> None:
        """The documented native JSON is the format: no second serialisation to keep."""
        from dockwise.model_json import dumps, to_json

        self._write(key, dumps(to_json(result, include_files=True)).encode())
