"""A finding's title from an advisory's prose: its first sentence, never cut mid-word.

Hand-written rather than a sentence tokenizer (nltk, pysbd): advisories are one
register of English, and the one trap that matters here, version numbers such as
"2.2 before 2.2.2." ending in a dot, only needs a space after the dot.
"""

from __future__ import annotations

import re

MAX_TITLE = 200  # characters; a longer first sentence is cut at a word boundary
# A sentence ends at . ! or ? and a space, unless the dot ends a common abbreviation
# (the next word may start in lower case: "urllib3 is ... for Python. urllib3 doesn't").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)\s+")
_SPACE = re.compile(r"\s+")


def first_sentence(text: str, limit: int = MAX_TITLE) -> str:
    """The first sentence of `text` on one line; over `limit`, cut before the last word
    that fits and ended with "…"."""
    flat = _SPACE.sub(" ", text).strip()
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"
