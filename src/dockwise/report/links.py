"""Where an advisory id's own record is published: one function that every reporter
(SARIF, GitLab, HTML, Markdown) links through, so an id links to the same page in all.

CVEs go to NVD, GHSA ids to GitHub's advisory database, Debian's own ids to its security
tracker, Snyk's to Snyk, and the ids of the databases that publish through OSV
(https://ossf.github.io/osv-schema/#id-modified-fields, the prefix list) to osv.dev.
Ids come from feeds: anything else gets no link rather than a guessed one.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_DEBIAN = "https://security-tracker.debian.org/tracker/{}"
_OSV = "https://osv.dev/vulnerability/{}"
PAGES = {
    "CVE": "https://nvd.nist.gov/vuln/detail/{}",
    "GHSA": "https://github.com/advisories/{}",
    "DSA": _DEBIAN,
    "DLA": _DEBIAN,
    "DTSA": _DEBIAN,
    "TEMP": _DEBIAN,
    "SNYK": "https://security.snyk.io/vuln/{}",
    **dict.fromkeys(
        ("PYSEC", "GO", "RUSTSEC", "OSV", "PSF", "GSD", "HSEC", "MAL", "BIT", "CURL",
         "DEBIAN", "UBUNTU", "USN", "ALSA", "ALBA", "ALEA", "RLSA", "RXSA", "RHSA", "RHBA",
         "RHEA", "SUSE", "openSUSE", "CGA", "ECHO", "MGASA", "OESA", "LBSEC", "DRUPAL"),
        _OSV,
    ),
}  # fmt: skip
_ID = re.compile(r"([A-Za-z]+)-[A-Za-z0-9][A-Za-z0-9._:-]*")


def advisory_url(ident: str) -> str:
    """The page of the record with this id; "" for an id of no known database."""
    found = _ID.fullmatch(ident)
    template = PAGES.get(found.group(1)) if found else None
    return template.format(quote(ident, safe="")) if template else ""
