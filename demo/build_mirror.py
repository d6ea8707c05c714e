"""Write the demo's offline feed mirror: `dockwise db update --mirror file://DIR` reads it.

    python demo/build_mirror.py DIR

Every file of every feed's layout is written, so an update from it is complete and
quiet: the advisories of demo/advisories.json (facts extracted from the shared corpus by
tools/extract_demo_advisories.py) in their OSV archives, KEV and NVD's yearly files, and
valid empty files for the rest. This is also the smallest example of the mirror layout
an air-gapped site serves (docs/database.md).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import sys
import tarfile
import zipfile
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import zstandard

from dockwise.vulndb.feeds import FEEDS

DEMO = Path(__file__).resolve().parent
VEX_ARCHIVE = "csaf_vex_2025-08-25.tar.zst"  # the day's archive Red Hat's listing names
EPSS_HEADER = (
    "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n"
)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    data = json.loads((DEMO / "advisories.json").read_text())
    write_mirror(out, data)
    print(f"{out}: mirror of {len(FEEDS)} feeds, {len(data['osv'])} advisories")
    return 0


def write_mirror(out: Path, data: dict) -> None:
    """Every feed file under `out`: `data`'s OSV records and KEV entries (the shape of
    advisories.json), valid empty files for the rest. Tests write variants of it."""
    files = _files(data)
    for feed in FEEDS:
        for path in feed.paths:
            target = out / feed.mirror_dir / unquote(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            found = files.get(f"{feed.mirror_dir}/{unquote(path)}")
            target.write_bytes(found or _empty(path, feed.name))
            if feed.follow is not None:  # the data file the index names
                _FOLLOWED[feed.name](target.parent)


def _write_repository(directory: Path) -> None:
    """An empty repository beside a mirror.list that names its own directory (".")."""
    (directory / "repodata").mkdir(exist_ok=True)
    (directory / "repodata" / "repomd.xml").write_bytes(
        b'<repomd xmlns="http://linux.duke.edu/metadata/repo"><data type="updateinfo">'
        b'<location href="repodata/updateinfo.xml.gz"/></data></repomd>'
    )
    (directory / "repodata" / "updateinfo.xml.gz").write_bytes(
        gzip.compress(b"<updates/>", mtime=0)
    )


def _write_vex_archive(directory: Path) -> None:
    """The empty day's archive beside Red Hat's archive_latest.txt, which names it."""
    raw = io.BytesIO()
    tarfile.open(fileobj=raw, mode="w").close()
    (directory / VEX_ARCHIVE).write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))


_FOLLOWED = {"amazon-alas": _write_repository, "redhat-csaf-vex": _write_vex_archive}


def _files(data: dict) -> dict[str, bytes]:
    by_ecosystem: dict[str, list[dict]] = defaultdict(list)
    for record in data["osv"]:
        # OSV's archives are per ecosystem, releases included: Debian:12 is in Debian/
        affected = [a["package"]["ecosystem"] for a in record["affected"] if "package" in a]
        for ecosystem in {name.split(":")[0] for name in affected}:
            by_ecosystem[ecosystem].append(record)
    files = {f"osv/{eco}/all.zip": _zip(records) for eco, records in by_ecosystem.items()}
    kev = {"catalogVersion": "demo", "count": len(data["kev"]), "vulnerabilities": data["kev"]}
    files["kev/known_exploited_vulnerabilities.json"] = json.dumps(kev).encode()
    files.update(_nvd(data.get("nvd", [])))
    return files


def _nvd(records: list[dict]) -> dict[str, bytes]:
    """NVD's JSON 2.0 yearly files: records grouped by the year in their CVE id."""
    years: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        years[record["id"].split("-")[1]].append({"cve": record})
    return {f"nvd/nvdcve-2.0-{year}.json.gz": _nvd_file(cves) for year, cves in years.items()}


def _nvd_file(vulnerabilities: list[dict]) -> bytes:
    doc = {"format": "NVD_CVE", "version": "2.0", "totalResults": len(vulnerabilities),
           "vulnerabilities": vulnerabilities}  # fmt: skip
    return gzip.compress(json.dumps(doc).encode(), mtime=0)


def _zip(records: list[dict]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    return buffer.getvalue()


# Feeds whose every file is empty the same way
_EMPTY_BY_FEED = {
    "distro-info": b"version,codename,series,created,release,eol\n",
    "amazon-alas": b".\n",  # a mirror.list naming its own directory as the repository
    "photon-cve": b"[]",
    "oracle-elsa": bz2.compress(b"<oval_definitions/>"),
    "azure-linux-oval": b"<oval_definitions/>",
    "redhat-csaf-vex": f"{VEX_ARCHIVE}\n".encode(),  # archive_latest.txt
}


def _empty(path: str, feed: str) -> bytes:
    """A valid file with nothing in it, in the format the path's feed expects."""
    if feed == "endoflife":  # a product without releases: the bundled snapshot answers
        return json.dumps({"result": {"name": path.removesuffix(".json"), "releases": []}}).encode()
    if feed in _EMPTY_BY_FEED:
        return _EMPTY_BY_FEED[feed]
    if path.endswith(".zip"):
        return _zip([])
    if path.endswith(".json.gz"):  # NVD's yearly and modified files
        return _nvd_file([])
    if path.endswith(".csv.gz"):
        return gzip.compress(EPSS_HEADER.encode(), mtime=0)
    if path.endswith(".json") and "/" in path:  # alpine secdb v3.N/main.json
        return json.dumps({"distroversion": path.split("/")[0], "packages": []}).encode()
    if path.endswith(".json"):
        return json.dumps({"vulnerabilities": []}).encode()
    if path == "json":  # the Debian security tracker
        return b"{}"
    return b""  # DSA/DLA lists


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
