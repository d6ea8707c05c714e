"""A layer's stored bytes as a source hands them over: what the openers build and the layer
reader (source/layer.py) reads, kept apart so that opening an image imports no reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True, slots=True)
class Blob:
    """Stored bytes of a layer and the digests they must have."""

    name: str  # how the user knows it: the digest, or the path in the archive
    open: Callable[[], BinaryIO]  # a fresh reader positioned at the blob's first byte
    size: int  # -1 when unknown
    digest: str = ""  # expected sha256 of the stored bytes, "sha256:<hex>"
    diff_id: str = ""  # expected sha256 of the uncompressed tar
