"""Debian codenames to release numbers, as data (from Debian's distro-info-data debian.csv).

The security tracker keys releases by codename; OSV and /etc/os-release by number.
Bundled rather than read from /usr/share/distro-info at run time so that the database
is the same on every machine that builds it. `sid` has no number and keeps its name.
"""

CODENAMES: dict[str, str] = {
    "buzz": "1.1",
    "rex": "1.2",
    "bo": "1.3",
    "hamm": "2.0",
    "slink": "2.1",
    "potato": "2.2",
    "woody": "3.0",
    "sarge": "3.1",
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "duke": "15",
    "sid": "sid",
}


def debian_ecosystem(codename: str) -> str | None:
    """`bookworm` -> `Debian:12`; an unknown codename -> None (the caller skips it)."""
    number = CODENAMES.get(codename)
    return f"Debian:{number}" if number else None
