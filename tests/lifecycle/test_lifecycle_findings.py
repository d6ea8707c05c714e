"""Lifecycle findings from an inventory: the distro's phase and each runtime line once."""

from datetime import date

from dockwise.checks.lifecycle import LifecycleChecker, lifecycle_findings
from dockwise.lifecycle.runtimes import runtimes_in
from dockwise.model import Distro, Inventory, Package, Severity

SCAN_DAY = date(2026, 11, 28)


BOOKWORM = Distro("debian", "12", codename="bookworm")


def inventory(*packages, distro=BOOKWORM):
    return Inventory(distro, packages)


def test_runtime_lines_found_once_interpreter_first():
    inv = inventory(
        Package("nodejs", "18.19.0+dfsg-6~deb12u1", "deb"),
        Package("node", "18.19.0", "runtime", owned_by="pkg:deb/debian/nodejs"),
        Package("python3.11", "3.11.2-6+deb12u1", "deb"),
        Package("python3", "3.11.2-1+b1", "deb"),
        Package("openssl", "3.0.11", "runtime"),
        Package("libc6", "2.36-9", "deb"),
    )
    refs = runtimes_in(inv)
    assert [(r.name, r.version, r.package.type) for r in refs] == [
        ("node", "18.19.0", "runtime"), ("python", "3.11.2", "deb")]  # fmt: skip
    assert all(r.distro_packaged for r in refs)


def test_debian_node_image_on_the_scan_day():
    inv = inventory(Package("nodejs", "18.19.0+dfsg-6~deb12u1", "deb"))
    found = {f.rule_id: f for f in lifecycle_findings(inv, SCAN_DAY)}
    assert set(found) == {"lifecycle/distro-lts", "lifecycle/runtime-eol"}
    node = found["lifecycle/runtime-eol"]
    assert node.title == "Node.js 18 (18.19.0) is end of life since 2025-04-30"
    assert node.severity == Severity.MEDIUM  # the distro may still patch its own package
    assert node.kind == "lifecycle" and node.package.name == "nodejs"
    assert ("record", "endoflife.date nodejs 18") in node.evidence


def test_upstream_runtime_eol_is_high_and_distro_eol_too():
    inv = inventory(Package("python", "3.7.17", "runtime"), distro=Distro("ubuntu", "23.10"))
    found = {f.rule_id: f.severity for f in lifecycle_findings(inv, SCAN_DAY)}
    assert found == {"lifecycle/distro-eol": Severity.HIGH, "lifecycle/runtime-eol": Severity.HIGH}


def test_paid_extended_phase():
    (found,) = lifecycle_findings(inventory(distro=Distro("debian", "10")), SCAN_DAY)
    assert (found.rule_id, found.severity) == ("lifecycle/distro-extended", Severity.MEDIUM)
    assert "Freexian ELTS" in found.title


def test_nothing_for_supported_or_unknown():
    inv = inventory(Package("node", "24.1.0", "runtime"), Package("cobol", "1", "runtime"),
                    distro=Distro("alpine", "3.22.2"))  # fmt: skip
    assert lifecycle_findings(inv, SCAN_DAY) == ()
    assert lifecycle_findings(Inventory(None, ()), SCAN_DAY) == ()


def test_ending_soon():
    day = date(2026, 6, 1)  # Debian 12's security support ends 2026-07-11
    rules = [f.rule_id for f in lifecycle_findings(inventory(), day)]
    assert rules == []  # LTS follows: free support goes on until 2028
    fedora = inventory(distro=Distro("fedora", "43"))
    assert [f.rule_id for f in lifecycle_findings(fedora, date(2026, 11, 1))] == [
        "lifecycle/distro-eol-soon"]  # fmt: skip


def test_checker_uses_its_day():
    class Target:
        inventory = inventory()

    assert [f.rule_id for f in LifecycleChecker(SCAN_DAY).check(Target())] == [
        "lifecycle/distro-lts"]  # fmt: skip
