import dataclasses

from dockwise.model import Inventory, RunConfig
from dockwise.report.table import TableReporter, human_size, shorten


def render(result, width=120):
    return TableReporter(width=width).render(result)


def test_header_and_run_config(result):
    out = render(result)
    for expected in [
        "docker-archive:demo.tar",
        "sha256:" + "c" * 64,
        "linux/amd64",
        "2024-05-01T12:00:00Z",
        "Debian GNU/Linux 12 (bookworm)",
        "root (no USER set)",
        "8080/tcp",
        '["/docker-entrypoint.sh"]',
        '["curl", "--help"]',
        "/srv",
        "API_TOKEN=********",
    ]:
        assert expected in out


def test_user_is_shown_when_set(result):
    image = dataclasses.replace(result.image, config=RunConfig(user="1000:1000"))
    out = render(dataclasses.replace(result, image=image))
    assert "1000:1000" in out
    assert "root (no USER set)" not in out
    assert "(none)" in out  # empty ports, env, labels say so instead of vanishing


def test_packages_and_layers(result):
    out = render(result)
    assert "Packages (6)" in out
    assert "(from deb python3-certifi)" in out
    assert "Layers (2)" in out
    assert "7.88.1-10+deb12u5" in out
    assert "ADD file:6b0f2c1e in /" in out
    assert "#(nop)" not in out
    assert "76.7 MiB" in out  # the tar, not the gzip blob (27.8 MiB)


def test_notable_files_name_their_owner(result):
    out = render(result)
    assert "Notable files (2)" in out
    assert "usr/local/bin/agent   unowned-executable   1       (none)" in out
    assert "deb libc6" in out


def test_warnings_come_last_with_a_count(result):
    out = render(result)
    assert out.rstrip().splitlines()[-3] == "Warnings (2):"
    assert "var/lib/dpkg/status: truncated record skipped (layer 1)" in out


def test_no_warnings(result):
    inventory = dataclasses.replace(result.inventory, warnings=())
    assert render(dataclasses.replace(result, inventory=inventory)).endswith("Warnings: 0\n")


def test_hostile_strings_are_neutralised(result):
    out = render(result)
    assert not any(ch in out for ch in "\x1b\x07\x08")
    assert "demo\\x1b]0;pwned\\x07\\x1b[2J" in out
    assert "evil\\x08\\x08\\x08\\x08good" in out
    assert "[bold red]admin[/]" in out
    assert "var/lib/big\\x1b[8m" in out


def test_empty_result_renders(result):
    empty = dataclasses.replace(result, inventory=Inventory(distro=None, packages=()))
    out = render(empty)
    assert "Packages (0)" in out
    assert "Distro" in out


def test_deterministic(result):
    assert render(result) == render(result)


def test_golden(result, golden):
    golden("table.txt", render(result))


def test_shorten():
    assert shorten('/bin/sh -c #(nop)  CMD ["bash"]') == 'CMD ["bash"]'
    long = "RUN " + "x" * 100
    assert shorten(long, width=20) == "RUN " + "x" * 15 + "…"
    assert shorten("a\n   b") == "a b"


def test_human_size():
    assert [human_size(n) for n in (0, 1023, 1024, 5 * 1024**3, 3 * 1024**4)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "5.0 GiB",
        "3.0 TiB",
    ]


def test_long_evidence_is_cut_not_hidden(result):
    """A fact's evidence past the width is shortened with an ellipsis (JSON keeps it whole):
    hiding it would drop e.g. where a learned base name came from."""
    from datetime import date

    from dockwise.answers import Fact, FiveAnswers, Section

    long = "catalogue: 3 identical layers, learned from image " + "x" * 80 + " scanned today"
    fact = Fact("base.name", "base image", "a:1", long)
    section = Section("Where did it come from?", "v", (fact,))
    empty = Section("q", "v")
    answers = FiveAnswers(date(2026, 12, 2), section, empty, empty, empty, empty)
    out = render(dataclasses.replace(result, answers=answers), width=200)
    assert "a:1  (catalogue: 3 identical layers, learned from image xxx" in out
    assert "…)" in out and "scanned on" not in out
