"""ELF facts for every executable and shared library, read from the headers only.

Format: the System V gABI, https://www.sco.com/developers/gabi/latest/ch4.eheader.html
(file header, section headers) and ch5.pheader.html / ch5.dynamic.html (program headers,
the dynamic section).

Hand-parsed with `struct` rather than pyelftools: this runs on every ELF file of every
layer (780 in the debian-go image). Reading the interpreter, DT_NEEDED and the section
names of those 780 files took 3.2 s with pyelftools (a Python object per section and
tag, strings read byte by byte) and 0.056 s here. pyelftools stays the reference the
tests compare against.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from dockwise.analyze import digest, gobuildinfo

MAGIC = b"\x7fELF"
MAX_SIZE = 512 * 1024 * 1024
MAX_DEP_V0 = 8 * 1024 * 1024  # inflated cargo-auditable JSON; real ones are a few KB
MAX_NEEDED = 512  # DT_NEEDED entries kept

# e_machine -> GOARCH-style name, as OCI image configs spell architectures
_MACHINES = {3: "386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390x", 40: "arm",
             62: "amd64", 183: "arm64", 243: "riscv", 258: "loong64"}  # fmt: skip
_TYPES = {1: "rel", 2: "exec", 3: "dyn", 4: "core"}
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SONAME, DT_FLAGS_1 = 0, 1, 5, 14, 0x6FFFFFFB
DF_1_PIE = 0x08000000
SHT_NOBITS = 8
WANTED_SECTIONS = (b".symtab", b".rodata", b".comment", b".go.buildinfo", b".gopclntab",
                   b".dep-v0", b".rustc")  # fmt: skip

# Version banners of libraries that are often vendored or statically linked: their
# exact strings, searched only in read-only data (cheap `bytes.find` prefilter first).
_BANNERS = (
    (
        "openssl",
        b"OpenSSL ",
        re.compile(
            rb"OpenSSL (\d+\.\d+\.\d+[a-z]{0,2})(?:[-+][\w.-]*)? +\d{1,2} [A-Z][a-z]{2} \d{4}"
        ),
    ),
    ("busybox", b"BusyBox v", re.compile(rb"BusyBox v(\d+\.\d+(?:\.\d+)?)")),
)
# Interpreters whose version is a string literal in their own binary; looked for only
# in files with these names, so the scan is not paid for every library. `{minor}` is
# the version the file name gives (python3.11 -> "3.11").
_RUNTIME_BINARIES = (
    ("python", re.compile(r"(?:lib)?python(\d\.\d+)[a-z]?(?:\.so[.\d]*)?"),
     "{minor}.", rb"(?<![\w.])(\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)\0"),
    ("node", re.compile(r"node|libnode\.so[.\d]*"),
     "/download/release/v", rb"/download/release/v(\d+\.\d+\.\d+)/"),
    ("ruby", re.compile(r"ruby|libruby(?:-\d\.\d+)?\.so[.\d]*"),
     "ruby ", rb"ruby (\d+\.\d+\.\d+)(?:p\d+)? \("),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Layout:
    """Struct formats for one ELF class (32/64-bit) and byte order."""

    header: struct.Struct
    phdr: struct.Struct
    shdr: struct.Struct
    dyn: struct.Struct
    ptr: struct.Struct
    bits: int
    endian: str

    @classmethod
    def of(cls, bits: int, order: str) -> _Layout:
        wide = bits == 64
        return cls(
            struct.Struct(order + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH")),
            struct.Struct(order + ("IIQQQQQQ" if wide else "IIIIIIII")),
            struct.Struct(order + ("IIQQQQIIQQ" if wide else "IIIIIIIIII")),
            struct.Struct(order + ("qQ" if wide else "iI")),
            struct.Struct(order + ("Q" if wide else "I")),
            bits,
            "little" if order == "<" else "big",
        )


_LAYOUTS = {(c, d): _Layout.of(32 * c, "<" if d == 1 else ">") for c in (1, 2) for d in (1, 2)}


class ElfError(ValueError):
    """The bytes are not a readable ELF file."""


class ElfAnalyzer:
    """Claims ELF files: executables always reach it, shared libraries by name."""

    name = "elf"
    globs = ("**/*.so", "**/*.so.*")
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        return head.startswith(MAGIC)

    def analyze(self, path: str, content: bytes) -> object | None:
        return elf_facts(path, content)


@dataclass(slots=True)
class Image:
    """The parts of one ELF file that the facts come from."""

    data: bytes
    layout: _Layout
    type: int
    machine: int
    segments: list[tuple[int, int, int, int, int]]  # (p_type, offset, vaddr, filesz, memsz)
    sections: dict[str, tuple[int, int, int]]  # name -> (offset, size, sh_type)

    def section(self, name: str) -> bytes | None:
        found = self.sections.get(name)
        if found is None or found[2] == SHT_NOBITS:
            return None
        offset, size, _ = found
        return self.data[offset : offset + size]

    def segment(self, p_type: int) -> tuple[int, int, int, int, int] | None:
        return next((s for s in self.segments if s[0] == p_type), None)

    def read_at(self, vaddr: int, size: int) -> bytes:
        """Bytes at a virtual address, through the PT_LOAD segment that maps it."""
        for p_type, offset, start, filesz, _ in self.segments:
            if p_type == PT_LOAD and start <= vaddr < start + filesz:
                begin = offset + vaddr - start
                return self.data[begin : begin + min(size, start + filesz - vaddr)]
        return b""


def parse(data: bytes) -> Image:
    """File header, program headers and section names; raises ElfError when malformed."""
    if len(data) < 52 or not data.startswith(MAGIC):
        raise ElfError("not an ELF file or truncated header")
    layout = _LAYOUTS.get((data[4], data[5]))
    if layout is None:
        raise ElfError(f"unknown ELF class {data[4]} or byte order {data[5]}")
    try:
        fields = layout.header.unpack_from(data, 16)
    except struct.error as exc:
        raise ElfError("truncated ELF header") from exc
    e_type, machine, _, _, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, shstrndx = fields
    segments = _segments(data, layout, phoff, phentsize, phnum)
    sections = _sections(data, layout, shoff, shentsize, shnum, shstrndx)
    return Image(data, layout, e_type, machine, segments, sections)


def _segments(data: bytes, layout: _Layout, off: int, entsize: int, count: int) -> list:
    if entsize < layout.phdr.size or off + entsize * count > len(data):
        return []
    wide = layout.bits == 64
    out = []
    for i in range(count):
        p = layout.phdr.unpack_from(data, off + i * entsize)
        # 64-bit puts p_flags second; 32-bit puts it seventh
        out.append((p[0], p[2], p[3], p[5], p[6]) if wide else (p[0], p[1], p[2], p[4], p[5]))
    return out


def _sections(data: bytes, layout: _Layout, off: int, entsize: int, count: int, strndx: int):
    """Offset, size and type of the sections named in WANTED_SECTIONS.

    Only the wanted names are looked up in the name table (one `find` each), so a
    library with 40 sections costs one `iter_unpack` and a few dict lookups.
    """
    end = off + entsize * count
    if not off or entsize != layout.shdr.size or strndx >= count or end > len(data):
        return {}
    headers = list(layout.shdr.iter_unpack(data[off:end]))
    names = headers[strndx]
    strtab = data[names[4] : names[4] + names[5]]
    wanted = {}
    for name in WANTED_SECTIONS:
        pos = strtab.find(b"\0" + name + b"\0")
        if pos >= 0:
            wanted[pos + 1] = name.decode()
        elif strtab.startswith(name + b"\0"):
            wanted[0] = name.decode()
    out = {}
    for h in headers:
        name = wanted.get(h[0])
        if name and name not in out and h[4] + (0 if h[1] == SHT_NOBITS else h[5]) <= len(data):
            out[name] = (h[4], h[5], h[1])
    return out


def elf_facts(path: str, data: bytes) -> dict[str, object]:
    """What an operator wants to know about one binary, as plain data."""
    image = parse(data)
    interpreter = _interpreter(image)
    dynamic = _dynamic(image)
    needed = dynamic.get("needed", [])
    facts: dict[str, object] = {
        "class": image.layout.bits,
        "endian": image.layout.endian,
        "machine": image.machine,
        "arch": _arch(image),
        "type": _kind(image, interpreter, dynamic),
        "linkage": "dynamic" if interpreter or needed else "static",
        "stripped": ".symtab" not in image.sections,
        "size": len(data),
        "sha256": digest.sha256(data),  # computed in a worker thread; str() waits
    }
    _put(facts, "interpreter", interpreter)
    _put(facts, "needed", needed)
    _put(facts, "soname", dynamic.get("soname", ""))
    facts["language"] = _language(image, facts)
    _put(facts, "versions", _versions(path, image))
    return facts


def _put(facts: dict[str, object], key: str, value: object) -> None:
    if value:
        facts[key] = value


def _arch(image: Image) -> str:
    name = _MACHINES.get(image.machine, f"machine-{image.machine}")
    if name in ("ppc64", "mips") and image.layout.endian == "little":
        name += "le"
    if name == "riscv":
        name += str(image.layout.bits)
    if name == "mips" and image.layout.bits == 64:
        name = name.replace("mips", "mips64")
    return name


def _kind(image: Image, interpreter: str, dynamic: dict) -> str:
    """exec, pie (position-independent executable), dyn (shared library), rel, core."""
    kind = _TYPES.get(image.type, f"type-{image.type}")
    if kind == "dyn" and (interpreter or dynamic.get("flags_1", 0) & DF_1_PIE):
        return "pie"
    return kind


def _interpreter(image: Image) -> str:
    seg = image.segment(PT_INTERP)
    if seg is None:
        return ""
    raw = image.data[seg[1] : seg[1] + min(seg[3], 4096)]
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _dynamic(image: Image) -> dict:
    """DT_NEEDED, DT_SONAME and DT_FLAGS_1 from the PT_DYNAMIC segment."""
    seg = image.segment(PT_DYNAMIC)
    if seg is None:
        return {}
    size = image.layout.dyn.size
    table = image.data[seg[1] : seg[1] + seg[3]]
    table = table[: len(table) // size * size]  # a truncated file cuts the table short
    tags: list[tuple[int, int]] = []
    for tag, value in image.layout.dyn.iter_unpack(table):
        if tag == DT_NULL:
            break
        tags.append((tag, value))
    strtab = next((v for t, v in tags if t == DT_STRTAB), None)
    if strtab is None:
        return {}
    strings = _StringTable(image, strtab)
    needed = [strings.get(v) for t, v in tags if t == DT_NEEDED][:MAX_NEEDED]
    soname = next((strings.get(v) for t, v in tags if t == DT_SONAME), "")
    flags = next((v for t, v in tags if t == DT_FLAGS_1), 0)
    return {"needed": needed, "soname": soname, "flags_1": flags}


class _StringTable:
    """The dynamic string table, found by its virtual address (DT_STRTAB)."""

    def __init__(self, image: Image, vaddr: int) -> None:
        self.table = image.read_at(vaddr, 1 << 20)

    def get(self, offset: int) -> str:
        end = self.table.find(b"\0", offset)
        raw = self.table[offset : end if end >= 0 else offset + 256]
        return raw.decode("utf-8", "replace")


def _language(image: Image, facts: dict[str, object]) -> str:
    """go, rust or c (anything else), from what the toolchains leave behind."""
    go = _go(image)
    if go is not None:
        facts["go"] = go
        return "go"
    if ".go.buildinfo" in image.sections or ".gopclntab" in image.sections:
        return "go"
    deps = _cargo_deps(image)
    if deps is not None:
        facts["cargo"] = deps
        return "rust"
    comment = image.section(".comment") or b""
    if b"rustc version" in comment or ".rustc" in image.sections:
        return "rust"
    return "c"


def _go(image: Image) -> dict | None:
    """Go build info from the `.go.buildinfo` section (see gobuildinfo)."""
    blob = image.section(".go.buildinfo")
    if blob is None:
        return None
    return gobuildinfo.parse(blob, image.read_at)


def _cargo_deps(image: Image) -> list[dict] | None:
    """cargo-auditable's `.dep-v0`: zlib-compressed JSON of the dependency tree.

    Format: https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md
    """
    blob = image.section(".dep-v0")
    if blob is None:
        return None
    from dockwise.analyze import cargo

    inflater = zlib.decompressobj()
    raw = inflater.decompress(blob, MAX_DEP_V0)
    if inflater.unconsumed_tail:
        raise ElfError(f".dep-v0 inflates to over {MAX_DEP_V0} bytes")
    return cargo.parse_dep_v0(raw)


def _versions(path: str, image: Image) -> dict[str, str]:
    """Library and interpreter version banners found in read-only data."""
    rodata = image.section(".rodata")
    if rodata is None:
        rodata = image.data  # no section table (sstrip'd): the whole file, once
    found = {}
    for name, needle, pattern in _BANNERS:
        version = _first(rodata, needle, pattern)
        if version:
            found[name] = version
    base = path.rsplit("/", 1)[-1]
    for name, file_pattern, needle, pattern in _RUNTIME_BINARIES:
        match = file_pattern.fullmatch(base)
        if match:
            minor = match.group(1) if match.groups() else ""
            version = _first(rodata, needle.format(minor=minor).encode(), re.compile(pattern))
            if version:
                found[name] = version
    return found


def _first(data: bytes, needle: bytes, pattern: re.Pattern[bytes]) -> str:
    """The first match of `pattern` at an occurrence of `needle` (a fast prefilter)."""
    pos = data.find(needle)
    while pos >= 0:
        match = pattern.match(data, pos)
        if match:
            return match.group(1).decode("ascii")
        pos = data.find(needle, pos + 1)
    return ""
