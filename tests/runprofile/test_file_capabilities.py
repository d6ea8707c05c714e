"""File capabilities: the vfs_cap_data struct, and the PAX header a layer carries it in."""

from __future__ import annotations

import struct

from dockwise.options import Options
from dockwise.pipeline.read import inventory
from dockwise.source.capability import decode, encode
from tools.imagepack import ImageSpec, Member, write_docker_archive


def test_revision_2_as_setcap_writes_cap_net_raw_ep():
    # setcap cap_net_raw+ep: magic 0x02000001, permitted bit 13 (CAP_NET_RAW)
    raw = bytes.fromhex("01000002" "00200000" "00000000" "00000000" "00000000")
    assert decode(raw) == {"permitted": ["NET_RAW"], "inheritable": [], "effective": True}
    assert encode(["NET_RAW"]) == raw


def test_revision_3_keeps_the_namespace_root_and_high_bits():
    raw = struct.pack("<6I", 0x03000000, 1 << 10, 1 << 0, 1 << (39 - 32), 0, 100000)
    assert decode(raw) == {"permitted": ["NET_BIND_SERVICE", "BPF"], "inheritable": ["CHOWN"],
                           "effective": False, "rootid": 100000}  # fmt: skip


def test_revision_1_and_unknown_bits():
    raw = struct.pack("<3I", 0x01000001, (1 << 12) | (1 << 31), 0)
    assert decode(raw)["permitted"] == ["NET_ADMIN", "SETFCAP"]  # bits 12 and 31
    assert decode(struct.pack("<5I", 0x02000000, 0, 0, 1 << 30, 0))["permitted"] == ["62"]


def test_hostile_bytes_are_an_error_fact_not_a_traceback():
    assert "too short" in decode(b"\x01")["error"]
    assert "revision" in decode(struct.pack("<I", 0x07000000) + b"\0" * 16)["error"]
    assert "revision" in decode(struct.pack("<I", 0x02000000) + b"\0" * 4)["error"]


def test_a_layer_xattr_becomes_the_file_s_capability_fact(tmp_path):
    binary = b"\x7fELF" + b"\0" * 60
    cap = encode(["NET_RAW", "NET_ADMIN"])
    assert any(b >= 0x80 for b in encode(["SETFCAP"]))  # binary PAX values survive too
    layer = [Member("usr/bin/ping", binary, mode=0o755, xattrs={"security.capability": cap}),
             Member("usr/bin/arping", binary, mode=0o755,
                    xattrs={"security.capability": encode(["SETFCAP"])}),
             Member("usr/bin/plain", binary, mode=0o755)]  # fmt: skip
    write_docker_archive(ImageSpec(layers=[layer]), tmp_path / "i.tar")
    _, tree = inventory(Options(f"docker-archive:{tmp_path / 'i.tar'}", no_cache=True), None)
    facts = {f.path: f.facts["capability"]["permitted"] for f in tree.with_facts("capability")}
    assert facts == {"usr/bin/ping": ["NET_ADMIN", "NET_RAW"], "usr/bin/arping": ["SETFCAP"]}
