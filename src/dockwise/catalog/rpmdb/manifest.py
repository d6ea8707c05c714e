"""The rpm manifest text file of CBL-Mariner / Azure Linux distroless images.

`var/lib/rpmmanifest/container-manifest-2` holds one line per package, the output of
`rpm -qa --qf "%{NAME}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\t%{BUILDTIME}\t%{VENDOR}\t
%{EPOCH}\t%{SIZE}\t%{ARCH}\t%{EPOCHNUM}\t%{SOURCERPM}\n"` (ref. microsoft/CBL-Mariner
toolkit/docs/how_it_works/5_misc.md, and syft's parse_rpm_manifest.go).
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.catalog.rpmdb.errors import DatabaseError
from dockwise.catalog.rpmdb.header import RpmEntry

FIELDS = 10
NONE = "(none)"  # what rpm's --queryformat prints for a missing tag


def entries(content: bytes) -> Iterator[RpmEntry | DatabaseError]:
    """One entry per well-formed line; a bad line is reported with its number."""
    for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        version, dash, release = parts[1].rpartition("-") if len(parts) > 1 else ("", "", "")
        if len(parts) < FIELDS or not dash or not parts[0]:
            yield DatabaseError(f"manifest line {number}: not {FIELDS} tab-separated fields")
            continue
        epoch = parts[5]
        yield RpmEntry(
            name=parts[0],
            version=version,
            release=release,
            epoch=int(epoch) if epoch.isdigit() else None,
            arch="" if parts[7] == NONE else parts[7],
            source_rpm="" if parts[9] == NONE else parts[9],
            vendor="" if parts[4] == NONE else parts[4],
        )
