"""Minimal synthetic ELF files: the headers, segments and sections the analyzers read.

Layout: one PT_LOAD maps the whole file at BASE, so a virtual address is BASE + offset.
Section contents may be callables taking their own virtual address (for pointers).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping

BASE = 0x400000
GO_MAGIC = b"\xff Go buildinf:"
SENTINEL_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
SENTINEL_END = bytes.fromhex("f932433186182072008242104116d8f2")

Content = bytes | Callable[[int], bytes]


def make_elf(
    *,
    sections: Mapping[str, Content] | None = None,
    interp: str = "",
    needed: tuple[str, ...] = (),
    soname: str = "",
    etype: int = 2,
    machine: int = 62,
    pie: bool = False,
    bits: int = 64,
    big_endian: bool = False,
) -> bytes:
    """An ELF file with the given program-visible facts and named sections."""
    elf = _Builder(bits, ">" if big_endian else "<", dict(sections or {}))
    dynamic = bool(needed or soname or pie)
    elf.out = bytearray(elf.ehsize + elf.phsize * (1 + bool(interp) + dynamic))
    if interp:
        elf.phdrs.append((3, elf.place(interp.encode() + b"\0"), len(interp) + 1))
    if dynamic:
        elf.add_dynamic(needed, soname, pie)
    shoff, shnum = elf.add_sections()
    elf.write_headers(etype, machine, shoff, shnum)
    return bytes(elf.out)


class _Builder:
    def __init__(self, bits: int, order: str, sections: dict[str, Content]) -> None:
        self.wide, self.o, self.sections = bits == 64, order, sections
        self.ehsize, self.phsize, self.shsize = (64, 56, 64) if self.wide else (52, 32, 40)
        self.out = bytearray()
        self.phdrs: list[tuple[int, int, int]] = []

    def place(self, data: bytes) -> int:
        while len(self.out) % 16:
            self.out.append(0)
        offset = len(self.out)
        self.out.extend(data)
        return offset

    def add_dynamic(self, needed: tuple[str, ...], soname: str, pie: bool) -> None:
        dynstr, entries = bytearray(b"\0"), []
        for tag, name in [(1, lib) for lib in needed] + ([(14, soname)] if soname else []):
            entries.append((tag, len(dynstr)))
            dynstr += name.encode() + b"\0"
        entries.append((5, BASE + self.place(bytes(dynstr))))
        self.sections.setdefault(".dynstr", bytes(dynstr))
        entries += [(0x6FFFFFFB, 0x08000000)] if pie else []
        fmt = self.o + ("qQ" if self.wide else "iI")
        table = b"".join(struct.pack(fmt, t, v) for t, v in [*entries, (0, 0)])
        self.phdrs.append((2, self.place(table), len(table)))

    def add_sections(self) -> tuple[int, int]:
        placed = []
        for name, content in self.sections.items():
            self.place(b"")
            data = content(BASE + len(self.out)) if callable(content) else content
            placed.append((name, self.place(data), len(data)))
        names = b"\0" + b"".join(n.encode() + b"\0" for n, _, _ in placed) + b".shstrtab\0"
        placed.append((".shstrtab", self.place(names), len(names)))
        shoff = self.place(b"\0" * self.shsize)
        fmt = self.o + ("IIQQQQIIQQ" if self.wide else "IIIIIIIIII")
        for name, off, size in placed:
            name_at = names.index(b"\0" + name.encode() + b"\0") + 1
            self.out += struct.pack(fmt, name_at, 1, 0, BASE + off, off, size, 0, 0, 1, 0)
        return shoff, len(placed) + 1

    def write_headers(self, etype: int, machine: int, shoff: int, shnum: int) -> None:
        self.phdrs.insert(0, (1, 0, len(self.out)))
        fmt = self.o + ("IIQQQQQQ" if self.wide else "IIIIIIII")
        for i, (p_type, off, size) in enumerate(self.phdrs):
            v = BASE + off
            fields = ((p_type, 5, off, v, v, size, size, 16) if self.wide
                      else (p_type, off, v, v, size, size, 5, 16))  # fmt: skip
            struct.pack_into(fmt, self.out, self.ehsize + i * self.phsize, *fields)
        ident = b"\x7fELF" + bytes([2 if self.wide else 1, 2 if self.o == ">" else 1, 1])
        fmt = self.o + ("HHIQQQIHHHHHH" if self.wide else "HHIIIIIHHHHHH")
        header = struct.pack(
            fmt,
            etype,
            machine,
            1,
            BASE,
            self.ehsize,
            shoff,
            0,
            self.ehsize,
            self.phsize,
            len(self.phdrs),
            self.shsize,
            shnum,
            shnum - 1,
        )
        self.out[: self.ehsize] = ident.ljust(16, b"\0") + header


def modinfo(path: str, main: tuple[str, ...] = (), deps: list[tuple[str, ...]] = (),
            settings: dict[str, str] | None = None) -> str:  # fmt: skip
    """The text `go version -m` prints, as the linker embeds it."""
    lines = [f"path\t{path}"]
    if main:
        lines.append("mod\t" + "\t".join(main))
    for dep in deps:
        key = "=>" if dep[0] == "=>" else "dep"
        lines.append(f"{key}\t" + "\t".join(dep[1:] if key == "=>" else dep))
    lines += [f"build\t{k}={v}" for k, v in (settings or {}).items()]
    return "\n".join(lines) + "\n"


def go_inline(version: str, mod: str) -> bytes:
    """Go 1.18+ layout: version and framed mod info inline after the 32-byte header."""
    framed = (SENTINEL_START + mod.encode() + SENTINEL_END) if mod else b""
    header = GO_MAGIC + bytes([8, 2]) + b"\0" * 16
    return header + _varint_str(version.encode()) + _varint_str(framed)


def go_pointers(version: str, mod: str, ptr_size: int = 8) -> Callable[[int], bytes]:
    """Go 1.13-1.17 layout: pointers to string headers, resolved at the section's address."""
    framed = SENTINEL_START + mod.encode() + SENTINEL_END

    def build(vaddr: int) -> bytes:
        fmt = "Q" if ptr_size == 8 else "I"
        hdr_v, hdr_m = vaddr + 32, vaddr + 32 + 2 * ptr_size
        data_v = vaddr + 32 + 4 * ptr_size
        data_m = data_v + len(version)
        head = GO_MAGIC + bytes([ptr_size, 0]) + struct.pack("<" + fmt * 2, hdr_v, hdr_m)
        head = head.ljust(32, b"\0")
        pairs = struct.pack("<" + fmt * 4, data_v, len(version), data_m, len(framed))
        return head + pairs + version.encode() + framed

    return build


def dep_v0(packages: list[dict]) -> bytes:
    """cargo-auditable's section: zlib-compressed JSON."""
    import json

    return zlib.compress(json.dumps({"packages": packages}).encode())


def _varint_str(data: bytes) -> bytes:
    n, out = len(data), bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out) + data
