"""File capabilities as a layer stores them: the `security.capability` extended attribute,
carried in a PAX header `SCHILY.xattr.security.capability` (how Docker, BuildKit and GNU
tar write xattrs), holding a little-endian `struct vfs_cap_data`.

Hand-written: the struct is 12 to 24 bytes and no pinned library reads it from bytes
(libcap's Python bindings read a live file). Layout and numbers from the Linux UAPI
header include/uapi/linux/capability.h (VFS_CAP_REVISION_1..3, VFS_CAP_FLAGS_EFFECTIVE).
"""

from __future__ import annotations

import struct

_REVISION_MASK = 0xFF000000
_EFFECTIVE = 0x000001
_SIZES = {0x01000000: 12, 0x02000000: 20, 0x03000000: 24}  # revision -> struct size
# capability number -> name, as capability.h numbers them (0 .. CAP_LAST_CAP = 40)
NAMES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)  # fmt: skip


def decode(raw: bytes) -> dict[str, object]:
    """`{"permitted": [...], "inheritable": [...], "effective": bool}` (plus `rootid` for a
    namespaced v3 entry); `{"error": ...}` for bytes that are no vfs_cap_data."""
    if len(raw) < 4:
        return {"error": f"{len(raw)} bytes is too short for vfs_cap_data"}
    (magic,) = struct.unpack_from("<I", raw)
    size = _SIZES.get(magic & _REVISION_MASK)
    if size is None or len(raw) < size:
        return {"error": f"unknown vfs_cap_data revision 0x{magic:08x} ({len(raw)} bytes)"}
    words = struct.unpack_from(f"<{(size - 4) // 4}I", raw, 4)
    permitted, inheritable = words[0], words[1]
    if size >= 20:
        permitted |= words[2] << 32
        inheritable |= words[3] << 32
    facts: dict[str, object] = {"permitted": names(permitted), "inheritable": names(inheritable),
                                "effective": bool(magic & _EFFECTIVE)}  # fmt: skip
    if size == 24:
        facts["rootid"] = words[4]
    return facts


def names(mask: int) -> list[str]:
    """Capability names of a bit mask; an unknown bit is kept by number."""
    return [NAMES[bit] if bit < len(NAMES) else str(bit) for bit in range(64) if mask >> bit & 1]


def encode(permitted: list[str], *, effective: bool = True) -> bytes:
    """A revision 2 vfs_cap_data, as `setcap` writes it (for test images)."""
    mask = sum(1 << NAMES.index(name) for name in permitted)
    magic = 0x02000000 | (_EFFECTIVE if effective else 0)
    return struct.pack("<5I", magic, mask & 0xFFFFFFFF, 0, mask >> 32, 0)
