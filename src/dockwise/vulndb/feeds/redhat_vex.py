"""Red Hat CSAF VEX: one CSAF 2.0 document per CVE, with the verdicts OSV's Red Hat
records lack: affected with no fix yet, will not fix, out of support scope, not affected.

Layout (https://security.access.redhat.com/data/csaf/v2/vex/): `archive_latest.txt` names
the day's `csaf_vex_<date>.tar.zst`, which holds every `<year>/cve-<year>-<n>.json`;
`index.txt` and `changes.csv` list the same files one by one. Format: CSAF 2.0
(https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html) as Red Hat applies it
(https://redhatproductsecurity.github.io/security-data-guidelines/csaf-vex/): a product
tree of products (`product_name`, with the CPE of a release or repository) and components
(`product_version`, with a purl), joined by `default_component_of` relationships into the
product ids that `product_status` and `remediations` list.

Each document becomes one Advisory whose `affected` entries are keyed like OSV's Red Hat
ecosystem (`Red Hat:<CPE without cpe:/o:redhat:>`), named by the purl's rpm (source or
binary) and, for a module's rpm, `<module>:<stream>/<rpm>`, so the matcher judges them
with the rpm ordering against the image's own release only.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import zstandard
from packageurl import PackageURL

from dockwise.untrusted import load_json
from dockwise.vulndb.advisory import Advisory, Affected, Range
from dockwise.vulndb.feeds import _json as j
from dockwise.vulndb.feeds._text import first_sentence
from dockwise.vulndb.feeds.base import Feed
from dockwise.vulndb.records import Record, Skipped

LISTING = "archive_latest.txt"
MAX_LISTING_BYTES = 4096  # one file name
# Caps against hostile archives: the largest real documents (kernel CVEs, listing every
# product stream) are a few MiB; the whole archive inflates to some GiB.
MAX_DOCUMENT_BYTES = 64 << 20
MAX_ARCHIVE_BYTES = 64 << 30
MAX_DOCUMENTS = 1_000_000
MAX_BRANCH_DEPTH = 12  # vendor > family > product or architecture > version: 4 in practice
_CPE_PREFIXES = ("cpe:/o:redhat:", "cpe:/a:redhat:")
# known_affected remediations (Red Hat's `details` words) -> FIX_STATUSES.
_NO_FIX_PLANNED = {"out of support scope": "end-of-life"}  # else "will-not-fix"


def listed(text: str) -> str:
    """The archive `archive_latest.txt` names; "" when it names nothing sensible."""
    name = text.strip()
    ok = name.endswith(".tar.zst") and "/" not in name and ".." not in name
    return name if ok and len(name) < 200 else ""


def follow(path: Path, url: str) -> str | None:
    """From `archive_latest.txt` to the day's archive beside it (update.py fetches it);
    None once at the archive; ValueError when the listing names no archive."""
    if not url.endswith(f"/{LISTING}"):
        return None
    with path.open("rb") as handle:
        name = listed(handle.read(MAX_LISTING_BYTES).decode("utf-8", "replace"))
    if not name:
        raise ValueError(f"{LISTING} names no .tar.zst archive")
    return f"{url.rpartition('/')[0]}/{name}"


def parse(path: Path, name: str) -> Iterator[Record]:
    """Every document of the day's archive, which `archive_latest.txt` led to (or of one
    `.json` file, as `index.txt` lists them); unreadable ones become `Skipped`."""
    if name.endswith(".json"):
        yield from _document(path.read_bytes(), name)
        return
    try:
        with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
            yield from _members(tarfile.open(fileobj=stream, mode="r|"), name)
    except (tarfile.TarError, zstandard.ZstdError, OSError, EOFError) as exc:
        yield Skipped(name, f"not a readable tar.zst archive ({exc})")


def _members(archive: tarfile.TarFile, name: str) -> Iterator[Record]:
    total = count = 0
    for member in archive:
        if not (member.isfile() and member.name.endswith(".json")):
            continue
        count, total = count + 1, total + member.size
        if count > MAX_DOCUMENTS or total > MAX_ARCHIVE_BYTES:
            yield Skipped(name, "archive too large once inflated; the rest is left out")
            return
        where = f"{name}:{member.name}"
        if member.size > MAX_DOCUMENT_BYTES:
            yield Skipped(where, f"document of {member.size} bytes is over the cap")
            continue
        stream = archive.extractfile(member)
        if stream is not None:
            yield from _document(stream.read(MAX_DOCUMENT_BYTES + 1), where)


def _document(data: bytes, where: str) -> Iterator[Record]:
    try:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValueError("document inflates beyond its declared size")
        yield from advisories(load_json(data))
    except (ValueError, RecursionError) as exc:  # DocumentError is a ValueError
        yield Skipped(where, f"malformed CSAF document ({exc})")


def advisories(document: object) -> Iterator[Advisory]:
    """One Advisory per vulnerability of a CSAF VEX document; ValueError when the document
    is not one."""
    body = j.obj(document, "document")
    meta = j.obj(body.get("document"), "document.document")
    tracking = j.obj(meta.get("tracking"), "document.tracking")
    severity = j.text(j.obj(meta.get("aggregate_severity") or {}, "aggregate_severity"), "text")
    products = _products(j.obj(body.get("product_tree") or {}, "product_tree"))
    for vulnerability in j.objs(body, "vulnerabilities"):
        ident = j.text(vulnerability, "cve") or j.text(tracking, "id")
        if not ident:
            raise ValueError("vulnerability has no cve")
        yield Advisory(
            id=ident,
            source="redhat-csaf-vex",
            summary=_note(vulnerability, "summary"),
            details=first_sentence(_note(vulnerability, "description")),
            published=j.text(tracking, "initial_release_date"),
            modified=j.text(tracking, "current_release_date"),
            cvss=_cvss(vulnerability),
            severity=severity,
            affected=tuple(_affected(vulnerability, products, severity)),
            references=tuple(j.text(r, "url") for r in j.objs(vulnerability, "references")),
        )


def _products(tree: dict) -> dict[str, tuple[str, str, str]]:
    """Full product id -> (ecosystem, package, version) for each relationship that joins
    an rpm component to a Red Hat release; other products (containers, middleware) are
    left out: the matcher could not use them."""
    cpes: dict[str, str] = {}
    purls: dict[str, str] = {}
    _walk(j.objs(tree, "branches"), cpes, purls, 0)
    found = {}
    for rel in j.objs(tree, "relationships"):
        full = j.obj(rel.get("full_product_name"), "full_product_name")
        ecosystem = _ecosystem(cpes.get(j.text(rel, "relates_to_product_reference"), ""))
        component = _component(purls.get(j.text(rel, "product_reference"), ""))
        if ecosystem and component:
            found[j.text(full, "product_id")] = (ecosystem, *component)
    return found


def _walk(branches: list[dict], cpes: dict, purls: dict, depth: int) -> None:
    if depth > MAX_BRANCH_DEPTH:
        raise ValueError(f"product tree nested deeper than {MAX_BRANCH_DEPTH} levels")
    for branch in branches:
        product = j.obj(branch.get("product") or {}, "branch.product")
        helper = j.obj(product.get("product_identification_helper") or {}, "identification")
        ident = j.text(product, "product_id")
        if j.text(helper, "cpe"):
            cpes[ident] = j.text(helper, "cpe")
        if j.text(helper, "purl"):
            purls[ident] = j.text(helper, "purl")
        _walk(j.objs(branch, "branches"), cpes, purls, depth + 1)


def _ecosystem(cpe: str) -> str:
    """`cpe:/a:redhat:enterprise_linux:9::appstream` -> `Red Hat:enterprise_linux:9::appstream`,
    as OSV's Red Hat ecosystem spells a release stream; "" for another vendor's CPE."""
    for prefix in _CPE_PREFIXES:
        if cpe.startswith(prefix):
            return f"Red Hat:{cpe.removeprefix(prefix)}"
    return ""


@lru_cache(maxsize=1 << 16)  # a fixed kernel build is named in every CVE it fixes
def _component(purl: str) -> tuple[str, str] | None:
    """(package, version) of an rpm or module purl: `pkg:rpm/redhat/openssl@3.0.7-27.el9
    ?arch=src&epoch=1` -> (`openssl`, `1:3.0.7-27.el9`); a module's rpm is named
    `<module>:<stream>/<rpm>` (the `rpmmod` qualifier, or an unfixed `pkg:rpmmod/redhat/
    <module>:<stream>/<rpm>`); None for anything else."""
    if not purl.startswith(("pkg:rpm/", "pkg:rpmmod/")):
        return None  # containers, Maven, ...: nothing the matcher could use
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    qualifiers = parsed.qualifiers if isinstance(parsed.qualifiers, dict) else {}
    module = ":".join(qualifiers.get("rpmmod", "").split(":")[:2])
    if parsed.type == "rpmmod":
        module = (parsed.namespace or "").rpartition("/")[2]
    name = f"{module}/{parsed.name}" if module else parsed.name
    epoch = qualifiers.get("epoch", "")
    version = parsed.version or ""
    return name, (f"{epoch}:{version}" if epoch and epoch != "0" and version else version)


def _affected(
    vulnerability: dict, products: dict[str, tuple[str, str, str]], severity: str
) -> Iterator[Affected]:
    """One entry per product id, in the status Red Hat gave it (duplicates merged)."""
    status = j.obj(vulnerability.get("product_status") or {}, "product_status")
    remedies = _remediations(vulnerability)
    seen: set[Affected] = set()
    for category, ids in status.items():
        if not isinstance(ids, list):
            raise ValueError(f"product_status.{category}: expected a list")
        for ident in ids:
            if isinstance(ident, str) and ident in products:
                entry = _entry(category, products[ident], remedies.get(ident), severity)
                if entry is not None and entry not in seen:
                    seen.add(entry)
                    yield entry


def _entry(
    category: str, product: tuple[str, str, str], remedy: tuple[str, str] | None, severity: str
) -> Affected | None:
    """A product status as an affected entry: `fixed` as a range, the others as a state."""
    ecosystem, package, version = product
    if category == "fixed":
        if not version:
            return None
        events = (("introduced", "0"), ("fixed", version))
        return Affected(ecosystem, package, (Range("ECOSYSTEM", events),), status="fixed",
                        severity=severity)  # fmt: skip
    if category == "known_not_affected":
        return Affected(ecosystem, package, status="not-affected")
    if category == "under_investigation":
        return Affected(ecosystem, package, status="open", reason="under investigation",
                        severity=severity)  # fmt: skip
    if category == "known_affected":
        state, reason = _known_affected(remedy)
        return Affected(ecosystem, package, status=state, reason=reason, severity=severity)
    return None  # CSAF's other lists (first_affected, recommended, ...): Red Hat uses none


def _known_affected(remedy: tuple[str, str] | None) -> tuple[str, str]:
    """`no_fix_planned` is "Will not fix" or "Out of support scope"; `none_available`
    ("Affected", "Deferred") and no remediation at all mean a fix may still come."""
    if remedy is None:
        return "open", ""
    category, details = remedy
    if category == "no_fix_planned":
        return _NO_FIX_PLANNED.get(details.strip().lower(), "will-not-fix"), details
    return "open", details


def _remediations(vulnerability: dict) -> dict[str, tuple[str, str]]:
    """Product id -> (category, details) of its `no_fix_planned` or `none_available`
    remediation (`vendor_fix` and `workaround` change no status)."""
    found: dict[str, tuple[str, str]] = {}
    for remedy in j.objs(vulnerability, "remediations"):
        category = j.text(remedy, "category")
        if category in ("no_fix_planned", "none_available"):
            for ident in j.texts(remedy, "product_ids"):
                found[ident] = (category, j.text(remedy, "details"))
    return found


def _note(vulnerability: dict, category: str) -> str:
    for note in j.objs(vulnerability, "notes"):
        if j.text(note, "category") == category:
            return j.text(note, "text")
    return ""


def _cvss(vulnerability: dict) -> tuple[tuple[str, str], ...]:
    vectors = []
    for score in j.objs(vulnerability, "scores"):
        for key, kind in (("cvss_v3", "CVSS_V3"), ("cvss_v2", "CVSS_V2")):
            if isinstance(score.get(key), dict) and j.text(score[key], "vectorString"):
                vectors.append((kind, j.text(score[key], "vectorString")))
    return tuple(dict.fromkeys(vectors))


FEED = Feed(
    name="redhat-csaf-vex",
    public_base="https://security.access.redhat.com/data/csaf/v2/vex/",
    mirror_dir="redhat/csaf/v2/vex",
    paths=(LISTING,),
    parse=parse,
    follow=follow,
)
