"""Amazon Linux ALAS advisories, from each release's core repository `updateinfo.xml`.

Upstream layout (as dnf finds it, and as trivy's vuln-list-update and grype's vunnel
read it): `<release>/.../x86_64/mirror.list` names the current repository snapshot;
its `repodata/repomd.xml` names the updateinfo file (`<data type="updateinfo">
<location href="repodata/<sha>-updateinfo.xml.gz"/>`), whose name changes with every
publication, hence the two index hops (`Feed.follow`).

updateinfo format: createrepo_c's `updateinfo.xml` (https://github.com/rpm-software-
management/createrepo_c/blob/master/doc/updateinfo.xml), as Amazon fills it:
<update type="security"><id>ALAS2023-2024-001</id><title/><severity>important
</severity><references><reference type="cve" id="CVE-..."/></references><pkglist>
<collection><package name epoch version release arch/></collection></pkglist></update>.
Each package is the binary rpm and the version that fixes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from dockwise.versions.rpm import compare
from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds._xml import (
    XML_ERRORS,
    child,
    child_text,
    descendants,
    open_feed,
    records,
)
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

SOURCE = "amazon-alas"
ECOSYSTEM = "Amazon Linux"
# release -> its core repository's mirror.list, relative to the CDN
RELEASES = {
    "2": "2/core/latest/x86_64/mirror.list",
    "2023": "al2023/core/mirrors/latest/x86_64/mirror.list",
}
_UPDATE = frozenset({"update"})
_DATA = frozenset({"data"})


def ecosystem_of(path: str) -> str:
    """The ecosystem a feed path holds: `al2023/...` -> `Amazon Linux:2023`."""
    release = path.split("/", 1)[0].removeprefix("al")
    return f"{ECOSYSTEM}:{release}"


def follow(path: Path, url: str) -> str | None:
    """mirror.list -> the snapshot's repomd.xml -> its updateinfo; None at the data."""
    if url.endswith("/mirror.list"):
        return urljoin(url, _first_mirror(path).rstrip("/") + "/repodata/repomd.xml")
    if url.endswith("/repomd.xml"):
        return urljoin(urljoin(url, "../"), _updateinfo_href(path))
    return None


def _first_mirror(path: Path) -> str:
    for line in path.read_text("utf-8", errors="replace").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    raise ValueError("mirror.list names no repository")


def _updateinfo_href(path: Path) -> str:
    try:
        with open_feed(path) as stream:
            for _, data in records(stream, _DATA):
                if data.get("type") == "updateinfo":
                    href = next((e.get("href") for e in descendants(data, "location")), "")
                    if href:
                        return href
    except XML_ERRORS as exc:
        raise ValueError(f"unreadable repomd.xml ({exc})") from None
    raise ValueError("repomd.xml lists no updateinfo")


def parse(path: Path, name: str) -> Iterator[Record]:
    """One Advisory per ALAS, its packages fixed at the listed version."""
    ecosystem = ecosystem_of(name)
    try:
        with open_feed(path) as stream:
            for _, update in records(stream, _UPDATE):
                if update.get("type", "security") == "security":
                    yield _record(update, ecosystem, name)
    except XML_ERRORS as exc:
        yield Skipped(name, f"not a readable updateinfo file ({exc})")


def _record(update: Element, ecosystem: str, name: str) -> Record:
    ident = child_text(update, "id")
    fixes = _fixes(update)
    if not ident or not fixes:
        return Skipped(f"{name}:{ident or '?'}", "update without an id or packages")
    severity = child_text(update, "severity")
    refs = list(descendants(update, "reference"))
    cves = [r.get("id", "") for r in refs if r.get("type") == "cve" and r.get("id")]
    affected = tuple(
        Affected(ecosystem, package, (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", evr))),),
                 status="fixed", severity=severity)
        for package, evr in sorted(fixes.items())
    )  # fmt: skip
    return Advisory(
        id=ident,
        source=SOURCE,
        aliases=tuple(dict.fromkeys(cves)),
        summary=child_text(update, "title"),
        published=_date(update, "issued"),
        modified=_date(update, "updated"),
        affected=affected,
        references=tuple(dict.fromkeys(r.get("href", "") for r in refs if r.get("href"))),
    )


def _fixes(update: Element) -> dict[str, str]:
    """Binary package -> fixed `[epoch:]version-release`, the highest over architectures."""
    fixes: dict[str, str] = {}
    for package in descendants(update, "package"):
        name, version = package.get("name", ""), package.get("version", "")
        if not name or not version:
            continue
        epoch, release = package.get("epoch", "0"), package.get("release", "")
        evr = f"{version}-{release}" if release else version
        evr = evr if epoch in ("", "0") else f"{epoch}:{evr}"
        if name not in fixes or compare(evr, fixes[name]) > 0:
            fixes[name] = evr
    return fixes


def _date(update: Element, name: str) -> str:
    """`<issued date="2024-01-02 03:04:05"/>` as ISO 8601."""
    found = child(update, name)
    return (found.get("date") or "").replace(" ", "T") if found is not None else ""


FEED = Feed(
    name="amazon-alas",
    public_base="https://cdn.amazonlinux.com/",
    mirror_dir="amazon",
    paths=tuple(RELEASES.values()),
    parse=parse,
    follow=follow,
)
