"""Oracle Linux ELSA advisories from Oracle's OVAL: `com.oracle.elsa-all.xml.bz2`.

Upstream: https://linux.oracle.com/security/oval/ (one file for every release, and one
per year). Format: OVAL 5.10 definitions (https://oval.mitre.org/language/version5.10/),
one `class="patch"` definition per ELSA: metadata (title, `reference source="elsa"` and
`source="CVE"`, `advisory/severity`, `advisory/issued`) and criteria whose criterion
comments Oracle's generator writes in fixed forms: "Oracle Linux 9 is installed" and
"<binary rpm> is earlier than <epoch>:<version>-<release>" (beside "... is signed with
the Oracle Linux 9 key" and "Oracle Linux arch is x86_64", which judge nothing here).
The fixes are read from those comments, as trivy-db's oracle-oval does, rather than by
resolving each criterion's test, object and state: the comment holds the same name and
EVR, and it keeps the pass to one definition at a time in a file of hundreds of MB.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from dockwise.versions.rpm import compare
from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds._xml import (
    XML_ERRORS,
    child,
    child_text,
    descendants,
    local,
    open_feed,
    oval_references,
    records,
)
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

SOURCE = "oracle-elsa"
ECOSYSTEM = "Oracle Linux"
_DEFINITION = frozenset({"definition"})
_RELEASE = re.compile(r"^Oracle Linux (\d+) is installed$")
_EARLIER = re.compile(r"^(\S+) is earlier than (\S+)$")


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per ELSA, with an Affected per (release, binary package)."""
    try:
        with open_feed(path) as stream:
            for _, definition in records(stream, _DEFINITION):
                yield _record(definition, name)
    except XML_ERRORS as exc:
        yield Skipped(name, f"not a readable OVAL file ({exc})")


def _record(definition: Element, name: str) -> Record:
    elsa = [r.get("ref_id", "") for r in oval_references(definition, "elsa")]
    ident = next((e for e in elsa if e), "")
    criteria = child(definition, "criteria")
    fixes = _fixes(criteria) if criteria is not None else {}
    if not ident or not fixes:
        where = f"{name}:{ident or definition.get('id', '?')}"
        return Skipped(where, "definition without an ELSA id or fixed packages")
    metadata = child(definition, "metadata")
    advisory = child(metadata, "advisory") if metadata is not None else None
    severity = child_text(advisory, "severity") if advisory is not None else ""
    affected = tuple(
        Affected(f"{ECOSYSTEM}:{release}", package,
                 (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", evr))),),
                 status="fixed", severity=severity)
        for (release, package), evr in sorted(fixes.items())
    )  # fmt: skip
    cves = oval_references(definition, "CVE")
    return Advisory(
        id=ident,
        source=SOURCE,
        aliases=tuple(dict.fromkeys(r.get("ref_id", "") for r in cves if r.get("ref_id"))),
        summary=" ".join(child_text(metadata, "title").split()) if metadata is not None else "",
        published=_issued(advisory),
        affected=affected,
        references=tuple(r.get("ref_url", "") for r in descendants(definition, "reference")
                         if r.get("ref_url")),
    )  # fmt: skip


def _fixes(criteria: Element, release: str = "") -> dict[tuple[str, str], str]:
    """(release, binary package) -> fixed EVR from the criterion comments; a release
    named in a criteria block holds for the blocks nested in it. Where architectures
    differ, the highest fix is kept (Affected has no architecture): no build is passed
    as fixed below its own fix, though one fixed earlier may be reported until then."""
    comments = [c.get("comment", "") for c in criteria if local(c.tag) == "criterion"]
    for comment in comments:
        if found := _RELEASE.match(comment):
            release = found[1]
    fixes: dict[tuple[str, str], str] = {}
    pairs = [(m[1], m[2]) for c in comments if (m := _EARLIER.match(c))] if release else []
    for package, evr in pairs:
        _keep_highest(fixes, (release, package), evr)
    for nested in (c for c in criteria if local(c.tag) == "criteria"):
        for key, evr in _fixes(nested, release).items():
            _keep_highest(fixes, key, evr)
    return fixes


def _keep_highest(fixes: dict[tuple[str, str], str], key: tuple[str, str], evr: str) -> None:
    if key not in fixes or compare(evr, fixes[key]) > 0:
        fixes[key] = evr


def _issued(advisory: Element | None) -> str:
    issued = child(advisory, "issued") if advisory is not None else None
    return (issued.get("date") or "") if issued is not None else ""


FEED = Feed(
    name="oracle-elsa",
    public_base="https://linux.oracle.com/security/oval/",
    mirror_dir="oracle",
    paths=("com.oracle.elsa-all.xml.bz2",),
    parse=parse,
)
