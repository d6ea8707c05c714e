"""A finding's severity and where it came from: the distro's own rating for OS packages,
else CVSS from any record of the vulnerability (its advisories and NVD's), newest CVSS
version first (4.0 > 3.1 > 3.0 > 2.0), else a record's plain rating (GHSA's
`database_specific.severity`).

CVSS vectors are scored with the `cvss` library (RedHatProductSecurity/cvss), which
implements the FIRST v2, v3.0, v3.1 and v4.0 specifications; `Cvss.severity` bands the
score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dockwise.model import Cvss, Severity
from dockwise.vulndb.advisory import Advisory, CveRecord

# Distro words Severity.parse does not know. Debian urgencies: "unimportant", "not yet
# assigned", "end-of-life" (https://security-team.debian.org/security_tracker.html);
# Ubuntu priorities are the usual words; Red Hat's impact says "important" for high
# (https://access.redhat.com/security/updates/classification/).
_DISTRO_WORDS = {
    "important": Severity.HIGH,
    "unimportant": Severity.NEGLIGIBLE,
    "not yet assigned": Severity.UNKNOWN,
    "end-of-life": Severity.UNKNOWN,
    "untriaged": Severity.UNKNOWN,
}
# What each distro calls its rating, for "where the severity came from".
_DISTRO_TERMS = {"debian": "urgency", "ubuntu": "priority", "redhat": "impact"}
CVSS_VERSIONS = ("4.0", "3.1", "3.0", "2.0")  # most preferred first
# OSV `severity[].type` -> CVSS version, when the vector has no "CVSS:x.y/" prefix (v2).
_OSV_TYPES = {"CVSS_V2": "2.0", "CVSS_V3": "3.1", "CVSS_V4": "4.0"}


@dataclass(frozen=True, slots=True)
class Rating:
    """The severity chosen, its source and one line of evidence, with every rating that
    was on offer (kept on the finding)."""

    severity: Severity
    source: str  # "nvd cvss 3.1", "debian urgency", "ghsa"; "" when nothing rated it
    note: str  # "medium from ghsa cvss 3.0 CVSS:3.0/AV:N/... (6.1)"
    vendor: tuple[tuple[str, str], ...] = ()
    cvss: tuple[Cvss, ...] = ()


def rate(
    records: Sequence[Advisory],
    distro: Sequence[tuple[str, str]],
    nvd: Iterable[CveRecord],
) -> Rating:
    """The rating of one finding from its records, the distro's own words (`distro`:
    (vendor, raw word) pairs, given for OS packages only) and NVD's records."""
    plain = [(record_source(r), r.severity) for r in records if r.severity]
    scored = [c for r in records for c in advisory_cvss(r)] + [c for n in nvd for c in n.cvss]
    vendor, cvss = _per_vendor([*distro, *plain]), tuple(dict.fromkeys(scored))
    chosen = _by_distro(distro) or _by_cvss(cvss) or _by_word(plain)
    if chosen is None:
        note = "; ".join(["no rating in any record", *_offered(vendor, cvss, None)])
        return Rating(Severity.UNKNOWN, "", note, vendor, cvss)
    severity, source, detail, used = chosen
    note = "; also ".join([f"{severity} from {source} {detail}",
                           ", ".join(_offered(vendor, cvss, used))]).removesuffix("; also ")
    return Rating(severity, source, note, vendor, cvss)


def _offered(
    vendor: Sequence[tuple[str, str]], cvss: Sequence[Cvss], used: object
) -> list[str]:
    """The ratings on offer besides the one used, for the explanation line."""
    scores = [f"{c.source} cvss {c.version} " + ("invalid" if c.score is None else f"{c.score:.1f}")
              for c in cvss if c != used]  # fmt: skip
    return scores + [f"{v} {raw}" for v, raw in vendor if (v, raw) != used]


def _per_vendor(words: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """One word per vendor, its highest (two Debian records may rate one CVE apart)."""
    best: dict[str, str] = {}
    for vendor, raw in words:
        if vendor not in best or distro_rating(raw) > distro_rating(best[vendor]):
            best[vendor] = raw
    return tuple(best.items())


def distro_rating(raw: str) -> Severity:
    """`"low**"` (Debian marks guesses with `*`), `"unimportant"`, `"high"`, ..."""
    word = raw.strip().rstrip("*").strip().lower()
    return _DISTRO_WORDS.get(word) or Severity.parse(word)


def distro_vendor(ecosystem: str) -> str:
    """`Debian:12` -> `debian`, `Red Hat:...` -> `redhat`: the name a rating goes by."""
    return ecosystem.split(":", 1)[0].replace(" ", "").lower()


def record_source(record: Advisory) -> str:
    """Who wrote a record, as a short name: its id's database (`GHSA-...` -> `ghsa`,
    `PYSEC-...` -> `pysec`), or the feed for records keyed by CVE (a distro tracker)."""
    prefix = record.id.split("-", 1)[0]
    if prefix == "CVE" or prefix == record.id:
        return record.source.split(":", 1)[0]
    return prefix.lower()


def advisory_cvss(record: Advisory) -> list[Cvss]:
    """The record's CVSS vectors, scored; entries that are no CVSS vector (OSV's
    `Ubuntu` type holds a priority word) are left out."""
    out = []
    for kind, vector in record.cvss:
        version = cvss_version(vector, kind)
        if version:
            out.append(Cvss(record_source(record), version, vector, score(vector, version)))
    return out


def cvss_version(vector: str, kind: str = "") -> str:
    """"3.1" for `CVSS:3.1/...`; v2 vectors have no prefix, so their type says it."""
    if vector.startswith("CVSS:"):
        version = vector[5:8]
        return version if version in CVSS_VERSIONS else ""
    return _OSV_TYPES.get(kind, "")


@lru_cache(maxsize=16384)
def score(vector: str, version: str) -> float | None:
    """The base score of one vector, from the `cvss` library; None when it is invalid."""
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    kind = {"4.0": CVSS4, "3.1": CVSS3, "3.0": CVSS3, "2.0": CVSS2}.get(version)
    try:
        return float(kind(vector).base_score) if kind else None
    except (CVSSError, ValueError, KeyError, TypeError, ArithmeticError):
        return None


Chosen = tuple[Severity, str, str, object]  # severity, source, detail, the rating used


def _by_distro(words: Sequence[tuple[str, str]]) -> Chosen | None:
    """The highest rating a distro gave; words such as "not yet assigned" rate nothing."""
    rated = [(distro_rating(raw), vendor, raw) for vendor, raw in words]
    rated = [r for r in rated if r[0] is not Severity.UNKNOWN]
    if not rated:
        return None
    severity, vendor, raw = max(rated, key=lambda r: r[0])
    return severity, f"{vendor} {_DISTRO_TERMS.get(vendor, 'rating')}", raw, (vendor, raw)


def _by_cvss(entries: Sequence[Cvss]) -> Chosen | None:
    """The newest CVSS version; within it the records' own (GHSA first) before NVD's,
    NVD's own before a CNA's it publishes, then the highest score."""
    scored = [c for c in entries if c.score is not None]
    if not scored:
        return None
    best = min(scored, key=lambda c: (CVSS_VERSIONS.index(c.version), _rank(c.source), -c.score))
    assert best.score is not None
    detail = f"{best.vector} ({best.score:.1f})"
    return best.severity, f"{best.source} cvss {best.version}", detail, best


def _rank(source: str) -> int:
    if source == "ghsa":
        return 0
    if source == "nvd":
        return 2
    return 3 if source.startswith("nvd:") else 1


def _by_word(words: Sequence[tuple[str, str]]) -> Chosen | None:
    rated = [(Severity.parse(raw), vendor, raw) for vendor, raw in words]
    rated = [r for r in rated if r[0] is not Severity.UNKNOWN]
    if not rated:
        return None
    severity, vendor, raw = max(rated, key=lambda r: r[0])
    return severity, vendor, f"rating {raw}", (vendor, raw)
