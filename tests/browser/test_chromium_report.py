"""The HTML report in a real browser: Debian's headless Chromium renders a report of a
scanned test image, with networking off. A missing or broken Chromium fails these tests
(with the reason) rather than skipping them: .ci/run installs it.

Chromium is driven through its command line only (`--dump-dom`, `--screenshot`), so the
tests need no driver library. The DOM is read after the page's script has run.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest
from checks.conftest import osv_records
from corpus import fresh
from report.conftest import make_result

from dockwise import cli
from dockwise.model import LayerRef, RunConfig
from dockwise.report.html import HtmlReporter
from dockwise.vulndb.store import DbWriter
from tools.imagepack import ImageSpec, write_docker_archive

WINDOW = (1280, 2000)
SAMPLED_ROWS = 700  # the header, cards and the answers: enough to tell blank from not
TIMEOUT = 120
HOSTILE_LABEL = "<script>alert(1)</script>\x1b]0;pwned\x07"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
)  # fmt: skip
STATUS = (
    "Package: libxml2\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 2.9.4+dfsg1-2.2+deb9u6\n\n"  # one below DLA-3012-1's fix
    "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\n"
    "Version: 1:1.2.8.dfsg-5\n\n"
)
LODASH = json.dumps({"name": "lodash", "version": "4.17.20"})
MEASURE_CARDS = """
for (const el of document.querySelectorAll('.card .value')) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  const whole = el.scrollWidth <= el.clientWidth ? 'whole' : 'cut';
  el.setAttribute('data-measured', lines + ' ' + whole);
}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """`dockwise scan --format html` of a Debian 9 image with vulnerable packages."""
    tmp = tmp_path_factory.mktemp("html")
    spec = ImageSpec(
        layers=[
            {"etc/os-release": 'ID=debian\nVERSION_ID="9"\n', "var/lib/dpkg/status": STATUS},
            {"app/node_modules/lodash/package.json": LODASH, "app/server.js": "listen(8080)\n"},
        ],
        history=["debootstrap", "COPY app /app"],
        config={"User": "node", "ExposedPorts": {"8080/tcp": {}},
                "Labels": {"org.opencontainers.image.title": HOSTILE_LABEL}},
    )  # fmt: skip
    write_docker_archive(spec, tmp / "image.tar")
    writer = DbWriter(tmp / "dockwise.db")
    for record in [*osv_records("Debian", "DLA-3012-1"),
                   *osv_records("npm", "GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9")]:  # fmt: skip
        writer.add_advisory(record)
    writer.finish({"built": fresh()})  # an old one would add a warning
    out = tmp / "report.html"
    argv = ["scan", "-q", "--no-cache", "--db", str(tmp / "dockwise.db"), "-f", "html",
            "-o", str(out), f"docker-archive:{tmp / 'image.tar'}"]  # fmt: skip
    assert cli.main(argv) == 0
    return out


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium once with a fresh profile; fail with the reason if it cannot."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed (apt-get install -y chromium; .ci/run does)")
    profile = tmp / "profile"
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {TIMEOUT}s: {' '.join(command)}")
    if done.returncode != 0:
        pytest.fail(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def dump_dom(tmp: Path, url: str, *extra: str) -> str:
    return chromium(tmp, *extra, "--virtual-time-budget=5000", "--dump-dom", url).stdout


def test_screenshot_is_produced_and_not_blank(report, tmp_path):
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
             report.as_uri())  # fmt: skip
    assert shot.is_file(), "chromium wrote no screenshot"
    width, height, pixels = read_png(shot.read_bytes(), rows=SAMPLED_ROWS)
    assert (width, height) == WINDOW
    sample = [pixels[i : i + 3] for i in range(0, len(pixels), 3 * 7)]
    colours = Counter(sample)
    background, count = colours.most_common(1)[0]
    assert len(colours) > 50, f"only {len(colours)} colours: a blank or broken page"
    assert 1 - count / len(sample) > 0.15, f"mostly {background.hex()}: nearly blank"
    assert shot.stat().st_size > 30_000, "a blank 1280x2000 page compresses to a few KB"
    shutil.copy(shot, report.parent / "report.png")  # kept beside the report for a look


def test_dom_has_the_answers_tables_and_charts(report, tmp_path):
    dom = dump_dom(tmp_path, report.as_uri())
    assert re.search(r'<html lang="en" class="js">', dom), "the page's script did not run"
    assert len(re.findall(r'<article class="answer"', dom)) == 6
    assert len(re.findall(r'<svg class="chart"', dom)) == 3
    findings = _tbody(dom, "findings-table")
    assert "CVE-2022-29824" in findings and "CVE-2021-23337" in findings
    assert re.search(r'data-shown="packages-table">(\d+) of \1 shown<', dom)
    # the hostile label is text, and nothing it carried became an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b]0;pwned\\x07" in dom
    assert dom.count("<script") == 1 and "alert(1)</script>" not in dom


def test_filter_and_sort_from_a_link(report, tmp_path):
    dom = dump_dom(tmp_path, report.as_uri() + "#q=libxml2&sort=packages-table:0:desc")
    rows = re.findall(r"<tr data-rank=\"\d\"( hidden=\"\")?.*?</tr>", _tbody(dom, "findings-table"),
                      re.S)  # fmt: skip
    shown = [r for r in re.findall(r"<tr data-rank=[^>]*>.*?</tr>", _tbody(dom, "findings-table"),
                                   re.S) if "hidden" not in r.split(">", 1)[0]]  # fmt: skip
    assert rows and shown and all("libxml2" in row for row in shown)
    assert len(shown) < len(rows)
    names = re.findall(
        r'<td class="mono" title="[^"]*">([^<]*)</td>', _tbody(dom, "packages-table")
    )
    assert names == sorted(names, reverse=True) and len(names) == 3


def test_essentials_without_javascript(report, tmp_path):
    """The page with its script removed, which is what a browser with JavaScript off runs
    (Chromium's --dump-dom itself needs scripting, so switching it off dumps nothing)."""
    static = tmp_path / "static.html"
    page = report.read_text(encoding="utf-8")
    static.write_text(re.sub(r"<script>.*?</script>", "", page, flags=re.S), encoding="utf-8")
    dom = dump_dom(tmp_path, static.as_uri())
    assert 'class="js"' not in dom and "<script" not in dom
    assert "What about security?" in dom and 'class="verdict"' in dom
    assert _tbody(dom, "findings-table").count("<tr") >= 3
    assert _tbody(dom, "packages-table").count("<tr>") == 3


def test_card_values_stay_on_one_line(tmp_path):
    """Card values like "180.0 MiB" and "1000:1000" broke mid-unit at 1280 px. A measuring
    script (the page's CSP and script removed to let it run) marks each card value with
    its line count and whether it is cut off."""
    layers = (LayerRef(0, "sha256:" + "1" * 64, size=150 * 2**20),
              LayerRef(1, "sha256:" + "2" * 64, size=30 * 2**20))  # fmt: skip
    result = make_result()
    image = dataclasses.replace(result.image, layers=layers, config=RunConfig(user="1000:1000"))
    page = HtmlReporter().render(dataclasses.replace(result, image=image))
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    page = re.sub(r"<script>.*?</script>", f"<script>{MEASURE_CARDS}</script>", page, flags=re.S)
    (tmp_path / "cards.html").write_text(page, encoding="utf-8")
    dom = dump_dom(tmp_path, (tmp_path / "cards.html").as_uri(),
                   f"--window-size={WINDOW[0]},{WINDOW[1]}")  # fmt: skip
    marks = re.findall(r'data-measured="(\d+ \w+)"[^>]*>([^<]*)<', dom)
    measured = {value: mark for mark, value in marks}
    assert {"180.0 MiB", "1000:1000"} <= set(measured), dom[:2000]
    assert all(mark == "1 whole" for mark in measured.values()), measured


def _tbody(dom: str, table: str) -> str:
    match = re.search(rf'id="{table}".*?<tbody>(.*?)</tbody>', dom, re.S)
    assert match, f"no table {table}"
    return match[1]


def read_png(data: bytes, rows: int) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes of the first `rows` rows) of an 8-bit RGB or RGBA PNG,
    standard library only (pure Python is slow, hence the cap).
    Ref. https://www.w3.org/TR/png/ (chunks, filters 0-4)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour {colour})"
    channels = 3 if colour == 2 else 4
    lines = _unfilter(zlib.decompress(idat), width * channels, channels, min(rows, height))
    rgb = b"".join(line if channels == 3 else _drop_alpha(line) for line in lines)
    return width, height, rgb


def _unfilter(raw: bytes, stride: int, bpp: int, height: int) -> list[bytes]:
    rows, previous = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = previous[x], previous[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + _predict(kind, a, b, c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return rows


def _predict(kind: int, a: int, b: int, c: int) -> int:
    if kind == 0:
        return 0
    if kind == 1:
        return a
    if kind == 2:
        return b
    if kind == 3:
        return (a + b) // 2
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _drop_alpha(row: bytes) -> bytes:
    return bytes(v for i, v in enumerate(row) if i % 4 != 3)
