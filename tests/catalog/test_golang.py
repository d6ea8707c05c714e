"""Go binaries: build info in synthetic ELF and Mach-O files, per the corpus cases."""

from __future__ import annotations

import pytest
from analyze.elfgen import go_inline, go_pointers, make_elf, modinfo
from binary_corpus import binary_cases, names_versions
from binary_image import Member, inventory_of

from dockwise.analyze.gobuildinfo import BuildInfoError, parse
from dockwise.catalog.golang import GoBinaryCataloger

CASES = binary_cases("go")
AQUA_DEPS = [
    ("github.com/aquasecurity/go-pep440-version", "v0.0.0-20210121094942-22b2f8951d46", "h1:a"),
    ("github.com/aquasecurity/go-version", "v0.0.0-20210121072130-637058cfe492", "h1:b"),
    ("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1", "h1:c"),
]
AQUA = modinfo("github.com/aquasecurity/test", ("github.com/aquasecurity/test", "(devel)"),
               AQUA_DEPS)  # fmt: skip
MACHO = b"\xcf\xfa\xed\xfe" + b"\0" * 28  # a Mach-O 64 head; the blob sits 16-aligned after


def _elf(blob) -> bytes:
    return make_elf(interp="/lib64/ld-linux-x86-64.so.2", sections={".go.buildinfo": blob})


# corpus case -> (file name, bytes) built to the case's facts; PE and pre-1.18 Mach-O
# (pointer format outside ELF) are not read, see dockwise.analyze.gobinary
LDFLAGS = modinfo(
    "github.com/aquasecurity/test",
    ("github.com/aquasecurity/test", "(devel)"),
    settings={"-ldflags": '"-X main.version=v1.0.0"', "GOOS": "linux"},
)
BBOLT = modinfo("go.etcd.io/bbolt", ("go.etcd.io/bbolt", "v1.3.5", "h1:x"))
FIXTURES = {
    "trivy__golang-binary__executable_gobinary": ("app", _elf(go_pointers("go1.15.2", AQUA))),
    "trivy__golang-binary__test.elf": ("test.elf", _elf(go_pointers("go1.15.2", AQUA))),
    "trivy__golang-binary__main-version-via-ldflags.elf": (
        "app",
        _elf(go_inline("go1.22.1", LDFLAGS)),
    ),
    "trivy__golang-binary__semver-main-module-version.macho": (
        "bbolt",
        MACHO + go_inline("go1.20.6", BBOLT),
    ),
}


def _normalized(packages) -> list[tuple[str, str]]:
    """stdlib as Go spells it (go1.15.2) against trivy's v1.15.2; a main module without
    a version is `(devel)` here, as Syft writes it, and empty in trivy's cases."""
    return sorted((n, v.removeprefix("go").removeprefix("v").replace("(devel)", ""))
                  for n, v in packages)  # fmt: skip


def test_uncovered_corpus_cases_are_only_the_known_ones():
    """Go 1.15 PE/Mach-O binaries (pointer format outside ELF) are not read."""
    uncovered = {c for c in CASES if c not in FIXTURES}
    assert all(c.endswith((".exe", ".macho")) or "1.15" in c for c in uncovered), uncovered
    assert len(uncovered) <= 2


@pytest.mark.parametrize(
    "case", sorted(FIXTURES), ids=lambda c: c.split("__")[-1].replace(".", "_")
)
def test_corpus_case(tmp_path, case):
    name, data = FIXTURES[case]
    inventory = inventory_of(tmp_path, [[Member(f"usr/bin/{name}", data, mode=0o755)]],
                             (GoBinaryCataloger(),))  # fmt: skip
    got = [(p.name, p.version) for p in inventory.packages]
    assert _normalized(got) == _normalized(names_versions(CASES[case]["packages"]))
    assert all(p.location.path == f"usr/bin/{name}" for p in inventory.packages)


def test_purls_replacements_and_settings(tmp_path):
    mod = modinfo("example.com/app", ("example.com/app", "v1.2.3", "h1:main"), [
        ("golang.org/x/net", "v0.1.0", "h1:old"), ("=>", "golang.org/x/net", "v0.2.0", "h1:new"),
        ("example.com/local", "v0.0.0"), ("=>", "../local"),
    ], settings={"GOARCH": "arm64", "vcs.revision": "abc"})  # fmt: skip
    data = _elf(go_inline("go1.21.5 X:boringcrypto", mod))
    inventory = inventory_of(tmp_path, [[Member("app", data, mode=0o755)]], (GoBinaryCataloger(),))
    by_name = {p.name: p for p in inventory.packages}
    assert by_name["stdlib"].purl == "pkg:golang/stdlib@1.21.5"
    assert dict(by_name["stdlib"].metadata)["toolchain"] == "go1.21.5 X:boringcrypto"
    app = by_name["example.com/app"]
    assert app.purl == "pkg:golang/example.com/app@v1.2.3"
    assert dict(app.metadata)["build.vcs.revision"] == "abc"
    net = by_name["golang.org/x/net"]
    assert (net.version, dict(net.metadata)["h1_digest"]) == ("v0.2.0", "h1:new")
    assert dict(net.metadata)["replaces"] == "golang.org/x/net@v0.1.0"
    local = by_name["example.com/local"]
    assert (local.version, dict(local.metadata)["replaced_by_path"]) == ("", "../local")


def test_binary_without_modules_still_reports_go_version(tmp_path):
    """Debian builds with GOPATH: no `mod` line, only the path and the toolchain."""
    data = _elf(go_inline("go1.19.8", modinfo("github.com/junegunn/fzf")))
    inventory = inventory_of(tmp_path, [[Member("usr/bin/fzf", data, mode=0o755)]])
    got = [(p.type, p.name, p.version) for p in inventory.packages]
    fzf = ("golang", "github.com/junegunn/fzf", "(devel)")
    assert got == [fzf, ("golang", "stdlib", "go1.19.8")]


@pytest.mark.parametrize(
    "blob",
    [b"\xff Go buildinf:", b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + b"\xff\xff\xff\xff",
     b"\xff Go buildinf:\x08\x00" + b"\0" * 16 + b"\x10" * 16, b"nope" * 10],
    ids=["short", "huge_varint", "dangling_pointers", "no_magic"],
)  # fmt: skip
def test_damaged_build_info_raises(blob):
    with pytest.raises(BuildInfoError):
        parse(blob, lambda addr, size: b"")


def test_damaged_build_info_is_a_warning_in_a_scan(tmp_path):
    data = _elf(b"\xff Go buildinf:\x08\x02" + b"\0" * 16 + b"\xff\xff\xff\xff")
    inventory = inventory_of(tmp_path, [[Member("usr/bin/odd", data, mode=0o755)]])
    assert any("elf: cannot analyze" in w.message for w in inventory.warnings)
    assert not [p for p in inventory.packages if p.type == "golang"]
