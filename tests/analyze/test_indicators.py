"""The indicators analyzer's searches: every `://` and miner needle found, wherever the
search windows fall, and hostile files bounded in the candidates they cost."""

from __future__ import annotations

import pytest

from dockwise.analyze import indicators
from dockwise.analyze.indicators import (
    MAX_CANDIDATES,
    MINER_NEEDLE,
    SEARCH_WINDOW,
    URL_SEPARATOR,
    IndicatorsAnalyzer,
    occurrences,
    urls,
)
from dockwise.security.ruleset import indicator_rules


def naive(data: bytes, needle: bytes) -> list[int]:
    found, pos = [], data.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = data.find(needle, pos + len(needle))
    return found


@pytest.mark.parametrize("needle", [URL_SEPARATOR, MINER_NEEDLE])
@pytest.mark.parametrize("shift", [-len(MINER_NEEDLE), -2, -1, 0, 1])
def test_occurrences_straddling_a_window_edge_are_found_once(needle, shift):
    data = bytearray(b"\0" * (3 * SEARCH_WINDOW))
    for at in (5, SEARCH_WINDOW + shift, 2 * SEARCH_WINDOW + shift, len(data) - len(needle)):
        data[at : at + len(needle)] = needle
    data = bytes(data)
    assert list(occurrences(data, needle)) == naive(data, needle)
    assert len(naive(data, needle)) == 4


def test_a_url_across_a_window_edge_is_read_whole():
    url = b"https://updates.example.org/agent"
    data = b"\0" * (SEARCH_WINDOW - 6) + url + b"\0" * 64
    assert urls(data, indicator_rules()) == [url.decode()]


def test_a_packaged_binary_with_the_miner_needle_past_the_first_window_is_checked(monkeypatch):
    tried = []
    monkeypatch.setattr(indicators, "miner_matches", lambda data: tried.append(1) or [])
    analyzer = IndicatorsAnalyzer()
    binary = b"\x7fELF" + b"\0" * (SEARCH_WINDOW + 3) + MINER_NEEDLE + b"+tcp://"
    analyzer.analyze("usr/bin/tool", binary)
    analyzer.analyze("usr/bin/plain", b"\x7fELF" + b"\0" * (2 * SEARCH_WINDOW))
    assert tried == [1]


def test_a_file_of_endless_candidates_costs_a_bounded_number_of_tries(monkeypatch):
    tried = []
    real = indicators.host_of
    monkeypatch.setattr(indicators, "host_of", lambda url: tried.append(1) or real(url))
    hostile = b"#!/bin/sh\n" + b"http://abc " * (MAX_CANDIDATES + 5000)  # no dot: no host
    facts = IndicatorsAnalyzer().analyze("srv/run.sh", hostile)
    assert len(tried) == MAX_CANDIDATES
    assert facts is None or "urls" not in facts
