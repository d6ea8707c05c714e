"""The dashboard in Debian's headless Chromium: each page renders (a screenshot that is
not blank, kept beside the store for a look) and its DOM holds the fleet's rows. The
pages carry no script and a CSP of `default-src 'none'` (test_fleet_api.py), so this is
also what a browser with JavaScript off shows (Chromium's --dump-dom itself needs
scripting on). The token goes as Basic credentials in the URL, as a browser's login
prompt would send it."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from browser.test_chromium_report import chromium, dump_dom, read_png
from fleet.fleet_fixtures import GZIP_CVE

WINDOW = (1280, 900)
PAGES = {"overview": "/", "cve": f"/cve?id={GZIP_CVE}", "trends": "/trends"}


def page_url(fleet, path: str) -> str:
    return fleet.server.url.replace("http://", f"http://viewer:{fleet.server.read}@") + path


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders(fleet, tmp_path, name):
    shot = tmp_path / f"{name}.png"
    chromium(tmp_path, f"--screenshot={shot}",
             f"--window-size={WINDOW[0]},{WINDOW[1]}", page_url(fleet, PAGES[name]))  # fmt: skip
    width, height, pixels = read_png(shot.read_bytes(), rows=400)
    assert (width, height) == WINDOW
    colours = Counter(pixels[i : i + 3] for i in range(0, len(pixels), 3 * 5))
    assert len(colours) > 40, f"only {len(colours)} colours: a blank or broken page"
    shutil.copy(shot, fleet.server.home / f"{name}.png")  # for a look


def test_dom_holds_the_fleet(fleet, tmp_path):
    overview = dump_dom(tmp_path, page_url(fleet, "/"))
    cve = dump_dom(tmp_path, page_url(fleet, PAGES["cve"]))
    assert "dockwise-demo:1.0" in overview and 'class="sev sev-critical"' in overview
    assert re.search(r"<td>gzip@1\.12-1</td>", cve) and fleet.digest in cve
