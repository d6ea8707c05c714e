"""Azure Linux 3 and CBL-Mariner 2 advisories from Microsoft's OVAL.

Upstream: https://github.com/microsoft/AzureLinuxVulnerabilityData, one file per release
at the repository root (`azurelinux-3.0-oval.xml`, `cbl-mariner-2.0-oval.xml`). Format:
OVAL 5.11 (https://oval.mitre.org/language/version5.11/) with one definition per (CVE,
source package): metadata (title "CVE-... affecting package X for versions less than
Y", `reference source="CVE"`, `patchable`, `severity`, `advisory_date`) and one
criterion whose `rpminfo_test` pairs an `rpminfo_object` (the package name) with an
`rpminfo_state` (`evr` and its operation). Unlike Oracle's, the comments do not carry
the full EVR, so tests, objects and states are resolved: they follow the definitions in
the file, and are kept as small tuples until the end.

Operations: "less than" is fixed at that EVR; "less than or equal" (with `patchable`
false) is affected up to that EVR with no fix yet: `open`, in dockwise's statuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.feeds._xml import (
    XML_ERRORS,
    child,
    child_text,
    descendants,
    open_feed,
    oval_references,
    records,
)
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

SOURCE = "azure-linux-oval"
# file -> ecosystem (os-release ID azurelinux VERSION_ID 3.0, mariner 2.0: by major)
RELEASES = {
    "azurelinux-3.0-oval.xml": "Azure Linux:3",
    "cbl-mariner-2.0-oval.xml": "CBL-Mariner:2",
}
_TAGS = frozenset({"definition", "rpminfo_test", "rpminfo_object", "rpminfo_state"})
_OPERATIONS = {"less than": "fixed", "less than or equal": "last_affected"}


@dataclass(frozen=True, slots=True)
class _Definition:
    """What a definition says before its tests are resolved."""

    ident: str
    cve: str
    severity: str
    patchable: bool
    published: str
    details: str
    tests: tuple[str, ...]


@dataclass
class _Document:
    """One file's definitions, and its tests, objects and states by id."""

    definitions: list[_Definition] = field(default_factory=list)
    tests: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (object, state)
    objects: dict[str, str] = field(default_factory=dict)  # -> package name
    states: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (operation, evr)


def ecosystem_of(path: str) -> str:
    """The ecosystem a feed file holds ("" for a file of no known release)."""
    return RELEASES.get(path.rsplit("/", 1)[-1], "")


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per definition (a CVE in one source package)."""
    document = _Document()
    try:
        with open_feed(path) as stream:
            for tag, element in records(stream, _TAGS):
                _collect(document, tag, element)
    except XML_ERRORS as exc:
        yield Skipped(name, f"not a readable OVAL file ({exc})")
        return
    ecosystem = ecosystem_of(name)
    for definition in document.definitions:
        yield _record(definition, document, ecosystem, name)


def _collect(document: _Document, tag: str, element: Element) -> None:
    ident = element.get("id", "")
    if tag == "definition":
        document.definitions.append(_definition(element))
    elif tag == "rpminfo_test":
        obj, state = child(element, "object"), child(element, "state")
        refs = (obj.get("object_ref", "") if obj is not None else "",
                state.get("state_ref", "") if state is not None else "")  # fmt: skip
        document.tests[ident] = refs
    elif tag == "rpminfo_object":
        document.objects[ident] = child_text(element, "name")
    else:
        evr = child(element, "evr")
        if evr is not None:
            document.states[ident] = (evr.get("operation", ""), (evr.text or "").strip())


def _definition(element: Element) -> _Definition:
    metadata = child(element, "metadata")
    meta = (lambda key: child_text(metadata, key)) if metadata is not None else (lambda key: "")
    cves = [r.get("ref_id", "") for r in oval_references(element, "CVE")]
    return _Definition(
        ident=element.get("id", ""),
        cve=next((c for c in cves if c), ""),
        severity=meta("severity"),
        patchable=meta("patchable").lower() != "false",
        published=meta("advisory_date"),
        details=first_sentence(meta("description")),
        tests=tuple(c.get("test_ref", "") for c in descendants(element, "criterion")),
    )


def _record(definition: _Definition, document: _Document, ecosystem: str, name: str) -> Record:
    affected = tuple(
        a for t in definition.tests if (a := _affected(t, document, definition, ecosystem))
    )
    if not definition.cve or not affected or not ecosystem:
        return Skipped(f"{name}:{definition.ident}", "definition without a CVE or a package test")
    return Advisory(
        id=definition.cve,
        source=SOURCE,
        details=definition.details,
        published=definition.published,
        affected=affected,
        references=(f"https://nvd.nist.gov/vuln/detail/{definition.cve}",),
    )


def _affected(
    test: str, document: _Document, definition: _Definition, ecosystem: str
) -> Affected | None:
    """The package and range one test names; None when its parts are missing."""
    object_ref, state_ref = document.tests.get(test, ("", ""))
    package = document.objects.get(object_ref, "")
    operation, evr = document.states.get(state_ref, ("", ""))
    kind = _OPERATIONS.get(operation)
    if not package or not evr or kind is None:
        return None
    status = "fixed" if kind == "fixed" and definition.patchable else "open"
    reason = "" if status == "fixed" else "no patched version available yet"
    return Affected(ecosystem, package, (Range("ECOSYSTEM", (("introduced", "0"), (kind, evr))),),
                    status=status, reason=reason, severity=definition.severity)  # fmt: skip


FEED = Feed(
    name="azure-linux-oval",
    public_base="https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/",
    mirror_dir="azurelinux",
    paths=tuple(RELEASES),
    parse=parse,
)
