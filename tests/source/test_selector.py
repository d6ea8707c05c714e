"""The last-segment prefilter never hides a path that the globs match."""

from __future__ import annotations

import random

import pytest
from corpus import CORPUS

from dockwise.analyze import analyzers
from dockwise.catalog import CATALOGERS, wanted_globs
from dockwise.source.filetree import glob_regex
from dockwise.source.selector import EVERY_FILE, last_segment_filter

# as Selector.build: an every-file analyzer's "**" is not a glob the filter sees
GLOBS = [*wanted_globs(CATALOGERS), *(g for a in analyzers() for g in a.globs if g != EVERY_FILE)]
SEGMENTS = (
    "usr lib var dpkg status status.d .ssh node_modules x METADATA package.json a.so b.so.1"
    " .env VERSION go-1.2 dist-info x.dist-info info y.list release app.jar id_rsa"
).split()


def sample_paths() -> list[str]:
    rng = random.Random(20261128)
    made = ["/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(1, 6))) for _ in range(20000)]
    real = [p.relative_to(CORPUS).as_posix() for p in (CORPUS / "pkgdb").rglob("*")]
    return made + real


def test_the_filter_is_a_necessary_condition():
    regex, maybe = glob_regex(GLOBS), last_segment_filter(GLOBS)
    paths = sample_paths()
    matched = [p for p in paths if regex.match(p)]
    assert len(matched) > 500  # the sample does exercise the globs
    assert [p for p in matched if not maybe(p)] == []
    assert sum(map(maybe, paths)) < len(paths)  # and it does filter


@pytest.mark.parametrize("glob", ["**/*.so.*", "a/*b*c", "**/[ab]x"])
def test_globs_it_cannot_reduce_still_match(glob):
    maybe = last_segment_filter([glob])
    for path in ("lib/x.so.1", "a/zbyc", "q/ax", "q/bx"):
        if glob_regex([glob]).match(path):
            assert maybe(path)


def test_files_every_file_analyzers_ignore_are_not_looked_at():
    """The secrets analyzer ignores its excluded directories: a plain file there is never
    peeked at, while an executable there still is (for the ELF and script analyzers)."""
    from dockwise.source.selector import Selector

    selector = Selector.build(dict(wanted_globs(CATALOGERS)), analyzers())
    assert selector.worth_a_look("app/config.js", 0o100644)
    assert not selector.worth_a_look("app/node_modules/x/lib/a.js", 0o100644)
    assert selector.worth_a_look("app/node_modules/.bin/tool", 0o100755)


def test_plain_files_are_neither_wanted_nor_worth_a_look():
    """`Selector.plain` lets the reader skip a file unseen: it must never say so of a
    file a cataloger wants or an analyzer would look at, and it does say so of most."""
    from dockwise.source.selector import Selector

    selector = Selector.build(dict(wanted_globs(CATALOGERS)), analyzers())
    paths = [p for p in sample_paths() if not p.endswith("/")]
    paths += [f"app/node_modules/{s}/lib/{s}" for s in SEGMENTS] + ["app/node_modules/x/y.js"]
    plain = 0
    for path in paths:
        for mode in (0o100644, 0o100755):
            if selector.plain(path, mode):
                plain += 1
                assert not selector.wanted(path) and not selector.worth_a_look(path, mode), path
    assert 0 < plain < len(paths)
    assert selector.plain("app/node_modules/x/y.js", 0o100644)
    assert not selector.plain("app/node_modules/x/package.json", 0o100644)
    assert not selector.plain("app/node_modules/.bin/tool", 0o100755)
