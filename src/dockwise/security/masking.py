"""Masking: how a secret is shown (never whole) and how it is recognised again.

A masked value keeps at most its first four characters ("ghp_****"), fewer for short
values, so an operator can tell which token it was without anyone being able to use
it. In image metadata (env, labels, history) the mask also carries the rule that
matched, `ghp_****[github-token]`, so the checker can report it after the raw value
is gone: dockwise never keeps the raw value anywhere.
"""

from __future__ import annotations

import hashlib
import re

STARS = "****"
NAME_MASK = "********"  # the source layer's mask for values of secret-looking names
KEEP = 4  # characters of a secret kept in front of the mask
TAGGED = re.compile(r"(?P<masked>[^\s*\[]{0,4}\*{4})\[(?P<rule>[a-z0-9-]+)\]")


def mask(secret: str) -> str:
    """The first characters (at most a quarter of the value, at most KEEP) plus stars."""
    return secret[: min(KEEP, len(secret) // 4)] + STARS


def tag(secret: str, rule_id: str) -> str:
    """A mask that also names the rule, for values stored in image metadata."""
    return f"{mask(secret)}[{rule_id}]"


def fingerprint(secret: bytes) -> str:
    """sha256 of the secret, whitespace removed: one id for the same secret anywhere."""
    return hashlib.sha256(b"".join(secret.split())).hexdigest()


def tags_in(text: str, context: int = 40) -> list[tuple[str, str]]:
    """(rule id, excerpt) for each tagged mask in a metadata string; the excerpt is the
    masked value with up to `context` characters before it (already masked text)."""
    return [(m["rule"], text[max(0, m.start() - context) : m.end()]) for m in TAGGED.finditer(text)]
