"""What a distribution's archive offers now: apt itself fetches and verifies the suites'
signed indices into a private state folder, and `apt-cache madison` lists each package's
versions and the suite that has them. Nothing of the host's apt state is read or changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dockwise.build.bootstrap import BootstrapError, readable_keyring

_OPTIONS = re.compile(r"^(deb)\s+(?!\[)")
# Debian policy 5.6.1's package names: an image's hostile name ("-oAPT::...") must not
# become an apt option on madison's command line
_PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One version of a package in the archive, and the suite it is in."""

    package: str
    version: str
    suite: str  # bookworm, bookworm-updates, bookworm-security, ...


def available(names: Iterable[str], sources: tuple[str, ...], keyring: str | None,
              architecture: str) -> list[Candidate]:  # fmt: skip
    """Every version the `sources` offer of the packages `names`."""
    with apt_state(sources, keyring, architecture) as apt:
        return madison(apt, names)


@dataclass(frozen=True, slots=True)
class AptState:
    """A private apt folder: the options that point apt at it, and where it downloads."""

    options: tuple[str, ...]
    archives: Path


def madison(apt: AptState, names: Iterable[str]) -> list[Candidate]:
    """Every version apt's indices offer of the packages `names`."""
    wanted = sorted({name for name in names if _PACKAGE_NAME.match(name)})
    if not wanted:
        return []
    listing = run_apt(["apt-cache", *apt.options, "madison", *wanted], "apt-cache failed")
    return [c for c in map(_candidate, listing.splitlines()) if c is not None]


@contextmanager
def apt_state(sources: tuple[str, ...], keyring: str | None, architecture: str,
              status: bytes = b"") -> Iterator[AptState]:  # fmt: skip
    """A private apt folder whose `sources` apt has fetched and verified, with `status`
    as the installed set."""
    with readable_keyring(keyring) as key, tempfile.TemporaryDirectory(prefix="dockwise-apt-") as d:
        state = Path(d)
        os.chmod(state, 0o755)  # apt's unprivileged downloader writes below it
        lines = [_OPTIONS.sub(rf"\1 [signed-by={key}] ", s) if key else s for s in sources]
        (state / "sources.list").write_text("".join(f"{line}\n" for line in lines))
        (state / "status").write_bytes(status)
        options = _options(state, architecture)
        run_apt(["apt-get", "-q", "update", "--error-on=any", *options], "cannot read the archive")
        yield AptState(tuple(options), state / "cache" / "archives")


def _options(state: Path, architecture: str) -> list[str]:
    settings = {
        "Dir::Etc::SourceList": state / "sources.list",
        "Dir::Etc::SourceParts": state / "sources.list.d",
        "Dir::State::Lists": state / "lists",
        "Dir::State::status": state / "status",
        "Dir::Cache": state / "cache",
        "APT::Architectures": architecture,
        "APT::Architecture": architecture,
        "Acquire::Languages": "none",
        "Debug::NoLocking": "1",
    }
    (state / "lists" / "partial").mkdir(parents=True)
    (state / "cache" / "archives" / "partial").mkdir(parents=True)
    return [f"-o{key}={value}" for key, value in settings.items()]


def run_apt(argv: list[str], what: str) -> str:
    """apt's output; its first error line (or a warning) as one BootstrapError."""
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    errors = [line for line in done.stderr.splitlines() if line.startswith(("E:", "W:"))]
    if done.returncode != 0 or any(line.startswith("E:") for line in errors):
        raise BootstrapError(f"{what}: {(errors or [done.stderr.strip() or 'no output'])[0]}")
    return done.stdout


def _candidate(line: str) -> Candidate | None:
    """` hello | 2.10-3 | http://deb.debian.org/debian bookworm/main amd64 Packages`."""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) != 3 or len(parts[2].split()) < 2:
        return None
    return Candidate(parts[0], parts[1], parts[2].split()[1].split("/")[0])
