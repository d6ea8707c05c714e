"""Streaming reads of vendor XML feeds (updateinfo, OVAL): one record element at a time.

Parsed with `defusedxml` (no DTD, no entity expansion, no external entities: the feeds
come over the network or a mirror), through `iterparse`, and each record is detached
from the tree once the caller has it, so memory holds one record, never the whole
file (Oracle's ELSA OVAL inflates to hundreds of MB). Compressed files (gzip, bzip2, as
the vendors publish them) are inflated as they stream, under a cap against bombs.
"""

from __future__ import annotations

import bz2
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree

MAX_INFLATED = 4 << 30  # bytes a compressed feed file may inflate to
# What a broken or hostile file raises: defusedxml's refusals are ValueErrors.
XML_ERRORS = (ParseError, ValueError, OSError, EOFError)


class _Capped(io.RawIOBase):
    """A reader that fails past `limit` bytes (a gzip or bzip2 bomb)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.left = inner, limit

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.inner.close()
        super().close()

    def readinto(self, buffer) -> int:
        data = self.inner.read(min(len(buffer), self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise ValueError(f"inflates beyond {MAX_INFLATED} bytes")
        buffer[: len(data)] = data
        return len(data)


def open_feed(path: Path, limit: int = MAX_INFLATED) -> IO[bytes]:
    """The file's XML bytes, inflated by its magic number (gzip, bzip2) or as is."""
    with path.open("rb") as probe:
        magic = probe.read(3)
    if magic[:2] == b"\x1f\x8b":
        inner: IO[bytes] = gzip.open(path, "rb")
    elif magic == b"BZh":
        inner = bz2.open(path, "rb")
    else:
        return path.open("rb")
    return io.BufferedReader(_Capped(inner, limit))


def local(tag: str) -> str:
    """`{namespace}name` -> `name`: OVAL's dialects (red-def, linux-def) name the same
    elements in different namespaces."""
    return tag.rsplit("}", 1)[-1]


def records(stream: IO[bytes], tags: frozenset[str]) -> Iterator[tuple[str, Element]]:
    """(local tag, element) for each complete element named in `tags`, in file order;
    each is dropped from the tree after the caller is done with it."""
    open_elements: list[Element] = []
    events = ElementTree.iterparse(stream, events=("start", "end"), forbid_dtd=True)
    for event, element in events:
        if event == "start":
            open_elements.append(element)
            continue
        open_elements.pop()
        name = local(element.tag)
        if name in tags:
            yield name, element
            if open_elements:
                open_elements[-1].remove(element)
            element.clear()


def child(element: Element, name: str) -> Element | None:
    """The first direct child with this local name."""
    return next((c for c in element if local(c.tag) == name), None)


def child_text(element: Element, name: str) -> str:
    """A direct child's text, stripped; "" when absent."""
    found = child(element, name)
    return (found.text or "").strip() if found is not None else ""


def descendants(element: Element, name: str) -> Iterator[Element]:
    """Every element below (and including) `element` with this local name."""
    return (e for e in element.iter() if local(e.tag) == name)


def oval_references(definition: Element, source: str) -> list[Element]:
    """An OVAL definition's `<metadata><reference source=...>` entries of one source
    ("CVE", "elsa"), compared without case as the vendors spell it both ways."""
    wanted = source.lower()
    return [r for r in descendants(definition, "reference")
            if (r.get("source") or "").lower() == wanted]  # fmt: skip
