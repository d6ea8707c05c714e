"""A finding's severity: the distro's own rating for OS packages, else CVSS, else the
record's plain rating.

CVSS vectors are scored with the `cvss` library (RedHatProductSecurity/cvss), which
implements the FIRST v3.0/3.1/4.0 specifications; the qualitative rating bands are the
specifications' own (https://www.first.org/cvss/v3.1/specification-document#5).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from dockwise.model import Severity

# Distro words Severity.parse does not know. Debian urgencies: "unimportant", "not yet
# assigned", "end-of-life" (https://security-team.debian.org/security_tracker.html);
# Ubuntu priorities are the usual words.
_DISTRO_WORDS = {
    "unimportant": Severity.NEGLIGIBLE,
    "not yet assigned": Severity.UNKNOWN,
    "end-of-life": Severity.UNKNOWN,
    "untriaged": Severity.UNKNOWN,
}


def distro_rating(raw: str) -> Severity:
    """`"low**"` (Debian marks guesses with `*`), `"unimportant"`, `"high"`, ..."""
    word = raw.strip().rstrip("*").strip().lower()
    return _DISTRO_WORDS.get(word) or Severity.parse(word)


def cvss_rating(vectors: Iterable[tuple[str, str]]) -> tuple[Severity, str]:
    """The highest rating among the vectors, with the vector that gave it."""
    best, best_vector = Severity.UNKNOWN, ""
    for _kind, vector in vectors:
        rating = _score(vector)
        if rating > best:
            best, best_vector = rating, vector
    return best, best_vector


@lru_cache(maxsize=16384)
def _score(vector: str) -> Severity:
    """The base rating of one vector; an unparsable one counts as UNKNOWN."""
    from cvss import CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    try:
        if vector.startswith("CVSS:4"):
            return Severity.parse(CVSS4(vector).severity)
        if vector.startswith("CVSS:3"):
            return Severity.parse(CVSS3(vector).severities()[0])
    except (CVSSError, ValueError, KeyError):
        return Severity.UNKNOWN
    return Severity.UNKNOWN
