"""The five answers on a hand-built inventory shaped like the shared debian-node image,
and on an image built here with a `curl | sh` step, read back through the real source."""

import dataclasses
import json
from datetime import date
from pathlib import Path

from answered import answered

from dockwise.answers import FiveAnswers
from dockwise.answers import answer as answers_of
from dockwise.lifecycle import load_snapshot
from dockwise.model import (
    Distro,
    FileRecord,
    Finding,
    HistoryEntry,
    ImageInfo,
    Inventory,
    LayerRef,
    Location,
    Package,
    RunConfig,
    ScanResult,
    Severity,
)
from dockwise.model_json import answers_to_json
from dockwise.policy import evaluate, parse_policy
from dockwise.provenance import provenance
from dockwise.source import open_source
from tools.imagepack import ImageSpec, write_docker_archive

SCAN_DAY = date(2026, 11, 28)
CLAMPED = "2023-11-14T22:13:20Z"
BOOKWORM = Distro("debian", "12", codename="bookworm", name="Debian GNU/Linux")
LAYERS = (
    LayerRef(0, "sha256:" + "1" * 64, size=30_000_000,
             created_by="mmdebstrap --variant=minbase bookworm (SOURCE_DATE_EPOCH=1700000000)"),
    LayerRef(1, "sha256:" + "2" * 64, size=9_000_000,
             created_by="/bin/sh -c apt-get install -y curl openssl ca-certificates"),
    LayerRef(2, "sha256:" + "3" * 64, size=50_000_000,
             created_by="/bin/sh -c apt-get install -y nodejs && cd /app && npm install "
             "lodash@4.17.11 minimist@0.0.8 express@4.16.0"),
)  # fmt: skip
HISTORY = (
    HistoryEntry(LAYERS[0].created_by, CLAMPED, layer_index=0),
    HistoryEntry('CMD ["bash"]', CLAMPED, empty_layer=True),
    HistoryEntry(LAYERS[1].created_by, CLAMPED, layer_index=1),
    HistoryEntry(LAYERS[2].created_by, CLAMPED, layer_index=2),
    HistoryEntry("EXPOSE 3000/tcp", CLAMPED, empty_layer=True),
)
LABELS = (("org.opencontainers.image.licenses", "MIT"),
          ("org.opencontainers.image.source", "vetting-test-fixtures"))  # fmt: skip
IMAGE = ImageInfo("debian-node.docker.tar", "docker-archive", repo_tags=("debian-node:latest",),
                  os="linux", architecture="amd64", created=CLAMPED, author="ocipack",
                  config=RunConfig(labels=LABELS), history=HISTORY, layers=LAYERS)  # fmt: skip


def pkg(name, version, type_, layer, **extra):
    return Package(name, version, type_, location=Location("x", LAYERS[layer]), **extra)


INVENTORY = Inventory(
    BOOKWORM,
    (pkg("libc6", "2.36-9+deb12u3", "deb", 0), pkg("curl", "7.88.1-10+deb12u4", "deb", 1),
     pkg("nodejs", "18.19.0+dfsg-6~deb12u1", "deb", 2), pkg("lodash", "4.17.11", "npm", 2),
     pkg("minimist", "0.0.8", "npm", 2),
     pkg("node", "18.19.0", "runtime", 2, owned_by="pkg:deb/debian/nodejs")),
    files=(FileRecord("usr/local/bin/tool", LAYERS[2], ("unowned-executable",)),
           FileRecord("usr/bin/passwd", LAYERS[0], ("setuid",))),
)  # fmt: skip
FINDINGS = (
    Finding("vulnerability", "CVE-2021-23337", Severity.HIGH, "lodash command injection",
            fixed_version="4.17.21", evidence=(("kev", "2021-11-03"),)),
    Finding("vulnerability", "CVE-2020-28500", Severity.MEDIUM, "lodash ReDoS",
            fixed_version="4.17.21"),
    Finding("vulnerability", "CVE-2023-0001", Severity.LOW, "no fix yet"),
    Finding("vulnerability", "CVE-2023-0002", Severity.CRITICAL, "ignored",
            fixed_version="1", suppressed="ignored: test"),
    Finding("config", "config/root-user", Severity.MEDIUM, "runs as root"),
)  # fmt: skip


def answer(image: ImageInfo, inventory: Inventory, findings, today: date) -> FiveAnswers:
    """The answers `scan` gives when its other checkers found `findings`."""
    result = answered(ScanResult(image, inventory, findings=tuple(findings)), today)
    assert result.answers is not None
    return result.answers


def answers() -> FiveAnswers:
    return answer(IMAGE, INVENTORY, FINDINGS, SCAN_DAY)


def facts(section) -> dict[str, str]:
    return {f.key: f.value for f in section.facts}


def unknowns(section) -> dict[str, str]:
    return {u.key: u.reason for u in section.unknowns}


def test_provenance_section():
    section = answers().provenance
    assert section.verdict == ("Debian 12 base, built 3 years ago from vetting-test-fixtures, "
                               "signature unknown (not from a registry)")  # fmt: skip
    got = facts(section)
    assert got["reference"] == "debian-node:latest"
    assert got["created"] == "2023-11-14T22:13:20+00:00 (3 years ago)"
    assert got["metadata.source"] == "vetting-test-fixtures"
    assert got["base.name"] == "debian:12" and got["base.confidence"] == "medium: history"
    assert got["history.3"].startswith("/bin/sh -c apt-get install -y nodejs")
    assert got["history.findings.provenance/unpinned-packages"] == "2"
    missing = unknowns(section)
    assert "not from a registry" in missing["signature"]
    assert "org.opencontainers.image.revision" in missing["metadata.revision"]


def test_each_provenance_fact_is_said_once():
    """A clamped time is a date with its caveat, not also an unknown build time; an
    unknown signature is an unknown with its reason, not also a fact."""
    section = answers().provenance
    keys = [f.key for f in section.facts] + [u.key for u in section.unknowns]
    assert len(keys) == len(set(keys))
    created = next(f for f in section.facts if f.key == "created")
    assert "clamped" in created.evidence and "created" not in unknowns(section)
    assert "signature" not in facts(section) and "signature" in unknowns(section)


def test_zeroed_build_time_is_an_unknown_and_not_a_date():
    zeroed = dataclasses.replace(IMAGE, created="1970-01-01T00:00:00Z")
    five = answer(zeroed, INVENTORY, FINDINGS, SCAN_DAY)
    assert "created" not in facts(five.provenance)
    reason = unknowns(five.provenance)["created"]
    assert "zeroed" in reason and "1970-01-01T00:00:00Z" in reason
    assert "age.image" not in facts(five.patching)
    assert "zeroed" in unknowns(five.patching)["age.image"]
    assert "build time unknown" in five.provenance.verdict


def test_policy_and_answers_agree_on_the_age():
    """Question 3 and the max-age rule read the same age: a clamped time dates the image
    (with its caveat) in both, a zeroed one is unknown in both."""
    rule = parse_policy({"max-age": {"days": 30}}, Path("dockwise.toml"))
    for created in (CLAMPED, "1970-01-01T00:00:00Z"):
        image = dataclasses.replace(IMAGE, created=created)
        five = answer(image, INVENTORY, FINDINGS, SCAN_DAY)
        result = ScanResult(image, INVENTORY, findings=FINDINGS, answers=five)
        (breach,) = evaluate(result, rule, SCAN_DAY).violations
        age = facts(five.patching).get("age.image")
        if age is None:
            assert breach.reason.startswith("image age unknown (build time zeroed")
        else:
            assert age == "1110 days"
            assert breach.reason.startswith("image built 1110 days ago (every history entry")


def test_inside_section():
    section = answers().inside
    assert section.verdict == ("6 packages (deb 3, npm 2, runtime 1), 1 language runtime "
                               "(node 18.19.0), 1 unowned files")  # fmt: skip
    got = facts(section)
    assert (got["packages.type.npm"], got["layer.2.packages"]) == ("2", "4")
    sizes = {k: v for k, v in got.items() if k.endswith(".size")}
    assert sizes == {"layer.0.size": "28.6 MiB", "layer.1.size": "8.6 MiB",
                     "layer.2.size": "47.7 MiB"}  # fmt: skip
    assert list(sizes) == ["layer.0.size", "layer.1.size", "layer.2.size"]  # build order
    assert got["files.unowned"] == "1" and got["runtime.node"] == "18.19.0"


def test_layer_sizes_are_the_tars_whatever_format_stored_them():
    """A docker archive keeps plain tars, an OCI layout gzipped blobs: the same image's
    layers read the same size from either once measured (the stored size is a fallback)."""
    gzipped = tuple(
        dataclasses.replace(layer, size=layer.size // 3, uncompressed_size=layer.size)
        for layer in LAYERS
    )
    image = dataclasses.replace(IMAGE, layers=gzipped)
    inventory = dataclasses.replace(INVENTORY, packages=())
    stored = facts(answers().inside)
    measured = facts(answer(image, inventory, FINDINGS, SCAN_DAY).inside)
    for index in range(3):
        assert measured[f"layer.{index}.size"] == stored[f"layer.{index}.size"]


def test_runtime_type_count_names_what_it_counts():
    """debian-node: node and a libcrypto's OpenSSL banner are both type "runtime", but only
    node is a language runtime; the count of 2 says which two it means."""
    openssl = pkg("openssl", "3.0.22", "runtime", 1, owned_by="pkg:deb/debian/libssl3")
    inventory = dataclasses.replace(INVENTORY, packages=(*INVENTORY.packages, openssl))
    section = answer(IMAGE, inventory, FINDINGS, SCAN_DAY).inside
    count = next(f for f in section.facts if f.key == "packages.type.runtime")
    assert count.value == "2"
    assert count.evidence == "versions read from binaries: node 18.19.0, openssl 3.0.22"
    assert "1 language runtime (node 18.19.0)" in section.verdict


def test_patching_section():
    section = answers().patching
    assert section.verdict == ("a rebuild on current packages would fix 2 of 3 vulnerabilities, "
                               "of which 1 are known exploited")  # fmt: skip
    got = facts(section)
    assert (got["fixable.severity.high"], got["fixable.severity.medium"]) == ("1", "1")
    labels = {f.key: f.label for f in section.facts}
    assert labels["fixable.severity.high"] == "fixable high"  # not a bare "high"
    assert got["age.image"] == "1110 days" and got["age.base"] == "1110 days"
    assert got["eol.runtime.node"] == "node 18.19.0"
    assert "eol.os_packages" not in got  # Debian 12 is in LTS, not end of life


def test_support_section_follows_the_snapshot():
    section = answers().support
    debian = load_snapshot().products["debian"].find("12")
    got = facts(section)
    assert got["distro.class"] == "community-lts"
    assert got["distro.phase"].startswith(f"lts until {debian.eol_lts}")
    assert got["distro.security_end"] == debian.eol.isoformat()
    assert got["runtime.node.18.class"] == "end-of-life"
    assert got["runtime.node.18.security_end"] == "2025-04-30"
    assert "follow Debian 12's support" in got["runtime.node.18.note"]
    assert got["contact.distro"].startswith("Debian Security Team")
    assert "Node.js 18: end of life since 2025-04-30" in section.verdict
    assert "no maintainer" in unknowns(section)["contact.image"]


def test_security_section_counts_derived_findings_once():
    derived = answer(IMAGE, INVENTORY, FINDINGS, SCAN_DAY).security
    got = facts(derived)
    assert got["kind.vulnerability"] == "3" and got["suppressed"] == "1"
    assert got["kind.provenance"] == "2" and got["kind.lifecycle"] == "2"
    labels = {f.key: f.label for f in derived.facts}
    assert (labels["findings"], labels["severity.high"]) == ("findings of every kind",
                                                             "high findings")  # fmt: skip
    lifecycle = [f for f in answer(IMAGE, INVENTORY, (), SCAN_DAY).security.facts
                 if f.key == "kind.lifecycle"]  # fmt: skip
    assert lifecycle[0].value == "2"


def test_suppressed_history_and_lifecycle_findings_stay_suppressed():
    """Answers read the checkers' findings as marked; they never derive them again."""
    result = answered(ScanResult(IMAGE, INVENTORY, findings=FINDINGS), SCAN_DAY)
    marked = tuple(
        dataclasses.replace(f, suppressed="ignored: accepted")
        if f.kind in ("provenance", "lifecycle") else f
        for f in result.findings
    )  # fmt: skip
    prov = provenance(IMAGE, BOOKWORM, SCAN_DAY)
    five = answers_of(dataclasses.replace(result, findings=marked), prov, SCAN_DAY)
    got = facts(five.security)
    assert got["suppressed"] == "5"  # the ignored CVE, 2 history and 2 lifecycle findings
    assert "kind.provenance" not in got and "kind.lifecycle" not in got
    assert not any(key.startswith("history.findings") for key in facts(five.provenance))


def test_python_image_reports_python_311_end_of_life_date():
    inventory = Inventory(BOOKWORM, (pkg("python3.11", "3.11.2-6+deb12u1", "deb", 2),))
    got = facts(answer(IMAGE, inventory, (), date(2023, 11, 14)).support)
    assert got["runtime.python.3.11.security_end"] == "2027-10-31"
    assert got["distro.phase"].startswith("active until")


def test_unknowns_when_nothing_is_known():
    image = ImageInfo("rootfs", "dir")
    five = answer(image, Inventory(None, ()), (), SCAN_DAY)
    assert "no distribution detected" in unknowns(five.support)["distro"]
    assert "no base annotation" in unknowns(five.provenance)["base.name"]
    assert "no build time" in unknowns(five.patching)["age.image"]
    assert five.security.verdict == "no findings"


def test_json_shape_is_versioned_and_serialisable():
    doc = json.loads(json.dumps(answers_to_json(answers())))
    assert (doc["schema"], doc["version"], doc["today"]) == (
        "dockwise/five-questions", 2, "2026-11-28")  # fmt: skip
    assert list(doc["sections"]) == ["provenance", "inside", "patching", "support", "security",
                                     "running"]
    for section in doc["sections"].values():
        assert set(section) == {"question", "verdict", "facts", "unknowns"}
        assert all(set(f) == {"key", "label", "value", "evidence"} for f in section["facts"])


def test_curl_sh_in_a_built_image_is_flagged(tmp_path):
    spec = ImageSpec(
        layers=[{"etc/os-release": 'ID=debian\nVERSION_ID="12"\n'}, {"usr/local/bin/tool": "x"}],
        history=["/bin/sh -c #(nop) ADD file:" + "ab" * 32 + " in / ",
                 "/bin/sh -c curl -fsSL https://get.example.com/install.sh | sh"],
        config={"Labels": {"org.opencontainers.image.source": "https://github.com/org/app",
                           "org.opencontainers.image.revision": "abc123def456789"}},
        created=CLAMPED,
    )  # fmt: skip
    path = tmp_path / "app.tar"
    write_docker_archive(spec, path, tags=["app:1"])
    info = open_source(f"docker-archive:{path}").info
    five = answer(info, Inventory(BOOKWORM, ()), (), SCAN_DAY)
    got = facts(five.provenance)
    assert got["history.findings.provenance/download-execute"] == "1"
    assert five.provenance.verdict.startswith(
        "Debian 12 base, built 3 years ago from github.com/org/app@abc123def456"
    )


def test_a_fix_behind_a_subscription_is_not_fixable_by_a_rebuild():
    pro = Finding("vulnerability", "CVE-2099-0001", Severity.HIGH, "esm only",
                  fixed_version="7.81.0-1ubuntu1.99+esm1",
                  evidence=(("subscription", "fixed by Ubuntu Pro (ESM) only"),))  # fmt: skip
    section = answer(IMAGE, INVENTORY, (*FINDINGS, pro), SCAN_DAY).patching
    assert section.verdict.startswith("a rebuild on current packages would fix 2 of 4 ")
    assert facts(section)["fixable.subscription"] == "1"
