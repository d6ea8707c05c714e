"""`design/*` findings on the issue-16 images: each case shows what it was built to show,
and nothing else (the clean Debian images are covered by bench/ and the report)."""

from __future__ import annotations

import pytest

from dockwise.checks import Target
from dockwise.checks.rundesign import RunDesignChecker
from dockwise.options import Options
from dockwise.pipeline.read import inventory
from tools.imagepack import ImageSpec, write_docker_archive

EXPECTED = {
    "supervisor": {"design/service-manager", "design/ssh-host-keys", "design/cron-jobs"},
    "postgres": {"design/database-data", "design/prefilled-volume"},
    "build-leftovers": {"design/build-tools", "design/git-checkout"},
    "net-raw": set(),
    "port-80": set(),
    "background": {"design/background-daemons"},
}


def findings(source: str) -> list:
    result, tree = inventory(Options(source, no_cache=True), None)
    return list(RunDesignChecker().check(Target(result.image, result.inventory, tree)))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_case_gives_its_findings(images, case):
    assert {f.rule_id for f in findings(images[case])} == EXPECTED[case]


def test_the_evidence_names_what_was_found(images):
    found = {f.rule_id: f for f in findings(images["supervisor"])}
    keys = found["design/ssh-host-keys"]
    assert keys.severity.name == "HIGH" and keys.location.path == "etc/ssh/ssh_host_ed25519_key"
    assert keys.location.layer is not None and keys.location.layer.index == 1
    assert ("services", "cron, sshd") in found["design/service-manager"].evidence
    assert ("crontab", "/etc/crontab: 1 jobs") in found["design/cron-jobs"].evidence
    daemons = findings(images["background"])[0]
    assert daemons.evidence == (("background", "cron, nginx, sshd"),)  # not `wait && echo`


def test_cron_files_without_a_cron_daemon_and_public_host_keys_are_no_finding(tmp_path):
    # Debian's e2fsprogs ships /etc/cron.d/e2scrub_all even where no cron runs
    layer = {"etc/cron.d/e2scrub_all": "30 3 * * 0 root test -e /run/systemd/system || e2scrub\n",
             "etc/ssh/ssh_host_ed25519_key.pub": "ssh-ed25519 AAAA\n",
             "var/log/dpkg.log": "2024-01-01 install x\n",
             "var/log/apt/history.log": "x\n"}  # fmt: skip
    write_docker_archive(ImageSpec(layers=[layer], config={"Cmd": ["bash"]}), tmp_path / "i.tar")
    assert findings(f"docker-archive:{tmp_path / 'i.tar'}") == []


def test_a_log_written_in_the_image(tmp_path):
    layer = {"var/log/nginx/access.log": "GET /\n", "var/log/nginx/error.log": ""}
    write_docker_archive(ImageSpec(layers=[layer]), tmp_path / "i.tar")
    [log] = findings(f"docker-archive:{tmp_path / 'i.tar'}")
    assert log.rule_id == "design/log-files" and ("files", "1") in log.evidence
