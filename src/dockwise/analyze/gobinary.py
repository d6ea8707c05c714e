"""Go build info in Mach-O and PE executables, found by its magic in the raw bytes.

ELF files get theirs from the `.go.buildinfo` section in the ELF analyzer. Here only
the inline format of Go 1.18+ is read: the older pointer format needs each format's
address map, which is not worth parsing for the rare non-Linux binary in an image.
"""

from __future__ import annotations

from dockwise.analyze import gobuildinfo

MAX_SIZE = 512 * 1024 * 1024
_HEADS = (
    b"MZ",  # PE (Windows)
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",  # Mach-O, big-endian 32/64
    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O, little-endian 32/64
)  # fmt: skip


class GoBinaryAnalyzer:
    """Claims Mach-O and PE heads; facts only when a Go build info blob is inside."""

    name = "go-binary"
    globs = ("**/*.exe",)
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        return head.startswith(_HEADS)

    def analyze(self, path: str, content: bytes) -> object | None:
        pos = gobuildinfo.find(content)
        if pos < 0:
            return None
        return {"go": gobuildinfo.parse(content[pos:])}
