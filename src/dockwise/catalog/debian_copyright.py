"""Declared licenses from a Debian package's `usr/share/doc/<package>/copyright`.

Only machine-readable files (DEP-5, https://www.debian.org/doc/packaging-manuals/
copyright-format/1.0/) are read: their `License:` fields name licenses in a fixed
syntax. A free-text copyright file is not guessed at; the package then declares nothing
and the SBOM says NOASSERTION. DEP-5 is deb822, so the dpkg reader's paragraph parser
reads it and hands the paragraphs here (python-debian's `debian.copyright` would bring
a second deb822 parser, and its import, to every Debian scan, for three fields).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

# The spec's own URL; early drafts wrote `.../dep5` or `.../DEP-5` (both in the wild).
_FORMAT_MARKERS = ("copyright-format", "dep5", "dep-5")
# Distinct licenses kept per file: Debian's largest (texlive, the kernel) name a few
# dozen; a hostile file naming 400,000 made a 78 MB SBOM. The rest are not read.
MAX_LICENSES = 128


class Paragraph(Protocol):
    """A deb822 paragraph (`dpkg.Stanza`): fields by lower-cased name."""

    fields: dict[str, list[str]]

    def get(self, name: str) -> str: ...


def declared_licenses(paragraphs: Iterator[Paragraph]) -> tuple[str, ...]:
    """The license expressions of the header and every `Files` paragraph, first seen first.

    Standalone `License` paragraphs only hold the texts of names used above, so they add
    nothing. Values keep DEP-5 spelling (`GPL-2+ or Artistic`); the SBOM writers turn
    them into SPDX expressions.
    """
    header = next(paragraphs, None)
    if header is None or not _machine_readable(header.get("format")):
        return ()
    found = dict.fromkeys([_first_line(header.get("license"))])
    for paragraph in paragraphs:
        if len(found) > MAX_LICENSES:
            break
        if "files" in paragraph.fields:
            found[_first_line(paragraph.get("license"))] = None
    return tuple(value for value in found if value)[:MAX_LICENSES]


def _machine_readable(format_field: str) -> bool:
    lowered = format_field.lower()
    return any(marker in lowered for marker in _FORMAT_MARKERS)


def _first_line(value: str) -> str:
    """A License field's synopsis; the lines after it are the license text itself."""
    return value.split("\n", 1)[0].strip()
