"""The fleet API and the dashboard over a store that `dockwise fleet` filled (the
`fleet` fixture: the demo image, re-matched against a newer database)."""

from __future__ import annotations

import re
import sqlite3

from fleet.fleet_fixtures import GZIP, GZIP_CVE
from openapi_spec_validator import validate as validate_openapi


def test_openapi_document_is_valid_and_lists_the_fleet_api(fleet):
    with fleet.server.client(fleet.server.read) as client:
        document = client.get("/openapi.json").json()
    validate_openapi(document)
    assert set(document["paths"]) == {
        "/fleet/v1/images", "/fleet/v1/findings", "/fleet/v1/affected",
        "/fleet/v1/images/{image}/history", "/fleet/v1/notifications",
        "/fleet/v1/notifications/{notification_id}"}  # fmt: skip


def test_images_and_affected(fleet):
    with fleet.server.client(fleet.server.read) as client:
        (image,) = client.get("/fleet/v1/images").json()
        affected = client.get("/fleet/v1/affected", params={"cve": GZIP_CVE}).json()
        neither = client.get("/fleet/v1/affected")
    assert image["digest"] == fleet.digest and image["worst"] == "critical"
    assert any("gzip" in reason for reason in image["rebuild"])
    assert [(a["digest"], a["package"]) for a in affected] == [(fleet.digest, GZIP)]
    assert neither.status_code == 400 and "cve" in neither.json()["error"]["message"]


def test_findings_page_through_every_open_finding(fleet):
    seen, after = [], 0
    with fleet.server.client(fleet.server.read) as client:
        while True:
            page = client.get("/fleet/v1/findings", params={"after": after, "limit": 7}).json()
            seen += page["items"]
            if not page["next_after"]:
                break
            after = page["next_after"]
    with sqlite3.connect(fleet.server.store) as db:
        total = db.execute("SELECT count(*) FROM findings WHERE status = 'open'").fetchone()[0]
    ids = [f["id"] for f in seen]
    assert len(seen) == total > 7 and ids == sorted(set(ids))
    gzip = [f for f in seen if f["vuln_id"] == GZIP_CVE]
    assert len(gzip) == 1 and gzip[0]["since"] > min(f["since"] for f in seen)


def test_history_and_notifications(fleet):
    with fleet.server.client(fleet.server.read) as client:
        history = client.get(f"/fleet/v1/images/{fleet.digest}/history").json()
        unknown = client.get("/fleet/v1/images/sha256:ffff/history")
        first = client.get("/fleet/v1/notifications", params={"limit": 1}).json()
        rest = client.get("/fleet/v1/notifications",
                          params={"after": first["items"][0]["id"]}).json()  # fmt: skip
    assert history["image"] == fleet.digest
    assert [e["kind"] for e in history["events"]].count("scan") == 1
    assert unknown.status_code == 404
    (notification,) = first["items"]
    (section,) = notification["body"]["images"]
    assert section["image"] == fleet.digest
    assert [f["vuln_id"] for f in section["findings"]] == [GZIP_CVE]
    assert rest == {"items": [], "next_after": ""}
    with fleet.server.client(fleet.server.read) as client:
        callback = client.get(notification["callback"], params={"limit": 1}).json()
        missing = client.get("/fleet/v1/notifications/999")
    assert notification["callback"].startswith(fleet.server.url + "/fleet/v1/notifications/")
    assert callback["notification_id"] == notification["id"]
    assert callback["images"] == [section] and callback["next_after"] == ""
    assert missing.status_code == 404


def test_dashboard_pages(fleet):
    with fleet.server.client(fleet.server.read) as client:
        overview = client.get("/")
        cve = client.get("/cve", params={"id": GZIP_CVE})
        trends = client.get("/trends")
        image = client.get(f"/images/{fleet.digest}")
    assert "dockwise-demo:1.0" in overview.text and "rebuild needed" in overview.text
    assert fleet.digest in cve.text and GZIP in cve.text
    assert len(re.findall(r"<tr><td>\d+</td>", trends.text)) == 2  # two database releases
    assert image.status_code == 200 and fleet.digest in image.text
    for page in (overview, cve, trends):
        assert "<script" not in page.text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
        assert "default-src 'none'" in page.headers["content-security-policy"]
