"""The command line as users and scripts call it: exit codes, outputs, files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from corpus import fresh

from dockwise import __version__, cli
from dockwise.vulndb.store import DbWriter
from tools.imagepack import ImageSpec, write_docker_archive

STATUS = (
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
    "Source: glibc\nVersion: 2.36-9+deb12u4\n\n"
    "Package: old\nStatus: deinstall ok config-files\nVersion: 1\n\n"
)


@pytest.fixture
def image(tmp_path) -> str:
    spec = ImageSpec(
        layers=[
            {
                "etc/os-release": 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
                "var/lib/dpkg/status": STATUS,
            },
            {"app/main.py": "print('hi')\n"},
        ],  # fmt: skip
        history=["debootstrap", "COPY main.py /app/"],
        config={"Env": ["API_TOKEN=abc123"], "ExposedPorts": {"8000/tcp": {}}},
    )
    path = tmp_path / "image.tar"
    write_docker_archive(spec, path)
    return str(path)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        ([], 2),
        (["sbom"], 2),
        (["sbom", "--format", "nope", "x"], 2),
        (["frobnicate"], 2),
    ],
    ids=["version", "help", "no_command", "no_source", "bad_format", "bad_command"],
)
def test_argument_handling(argv, code, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == code


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["scan", "--format", "nonsense", "x"], ["dockwise scan: error:", "'nonsense'", "sarif"]),
        (["scan", "--severity", "extreme", "x"], ["dockwise scan:", "'extreme'", "critical"]),
        (["scan"], ["dockwise scan: error:", "SOURCE"]),
        (["sbom", "--bogus", "x"], ["dockwise sbom: error:", "--bogus"]),
        (["db", "status", "--bogus"], ["dockwise db status: error:", "--bogus"]),
        (["nonsense"], ["dockwise: error:", "'nonsense'", "scan"]),
        ([], ["dockwise: error:", "COMMAND"]),
    ],
    ids=["bad_format", "bad_severity", "no_source", "unknown_flag", "nested_flag", "bad_command",
         "no_command"],
)  # fmt: skip
def test_argument_errors_are_one_line_and_a_pointer_to_help(argv, named, capsys):
    """No usage screen: the error (naming the command, the bad value and the choices),
    then where to find help; nothing on stdout."""
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    out, err = capsys.readouterr()
    error, hint = err.splitlines()
    assert stop.value.code == 2 and out == ""
    assert all(word in error for word in named), error
    command = error.split(": error:")[0]
    assert hint == f"try '{command} --help'"


def test_argument_errors_are_sanitized(capsys):
    """argparse echoes an unknown flag raw: a terminal escape must not reach the terminal."""
    with pytest.raises(SystemExit):
        cli.main(["scan", "--\x1b[31mred", "x"])
    assert "\x1b" not in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["sarif", "junit", "gitlab", "markdown"])
def test_sbom_refuses_findings_formats(image, fmt, capsys):
    """sbom runs no checks, so a CI report from it would pass for want of any: refused,
    pointing at scan, before the image is read."""
    with pytest.raises(SystemExit) as stop:
        cli.main(["sbom", "-q", "-f", fmt, image])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == ""
    assert f"use `dockwise scan --format {fmt}`" in err.splitlines()[0]


def test_sbom_help_lists_only_inventory_formats(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sbom", "--help"])
    formats = capsys.readouterr().out.split("--format {")[1].split("}")[0].split(",")
    assert formats == ["table", "json", "cyclonedx-json", "spdx-json", "html"]


def test_version_text(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"dockwise {__version__}"


def test_table_lists_installed_packages_only(image, capsys):
    assert cli.main(["sbom", "-q", image]) == 0
    out = capsys.readouterr().out
    assert "libc6" in out and "2.36-9+deb12u4" in out
    assert "config-files" not in out and "\nold" not in out
    assert "abc123" not in out


def test_json_to_a_file(image, tmp_path, capsys):
    target = tmp_path / "out.json"
    assert cli.main(["sbom", "-q", "--format", "json", "--output", str(target), image]) == 0
    assert capsys.readouterr().out == ""
    doc = json.loads(target.read_text())
    assert [(p["name"], p["version"]) for p in doc["packages"]] == [("libc6", "2.36-9+deb12u4")]
    assert doc["distro"]["id"] == "debian"


def test_cyclonedx_carries_layer_and_purl(image, capsys):
    assert cli.main(["sbom", "-q", "-f", "cyclonedx-json", image]) == 0
    bom = json.loads(capsys.readouterr().out)
    (component,) = [c for c in bom["components"] if c["name"] == "libc6"]
    assert component["purl"] == (
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
    )
    props = {p["name"]: p["value"] for p in component["properties"]}
    assert props["dockwise:layer:index"] == "0"


def test_unwritable_output_is_one_line(image, capsys):
    assert cli.main(["sbom", "-q", "-o", "/nonexistent/dir/out.json", image]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dockwise: error: /nonexistent/dir/out.json")


def test_a_platform_the_image_lacks_is_an_error(image, capsys):
    assert cli.main(["sbom", "-q", "--platform", "linux/arm64", image]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.endswith("image is for linux/amd64, not the requested platform linux/arm64\n")


def test_python_dash_m(image):
    done = subprocess.run(
        [sys.executable, "-m", "dockwise", "sbom", "-q", "-f", "json", image],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schema"] == "dockwise-sbom/1"


def test_reading_an_archive_leaves_network_crypto_and_yaml_libraries_unimported(image, tmp_path):
    """Imports are most of a warm run's time (issue 20): an SBOM of an archive without YAML
    or requirements files needs no PyYAML or packaging, and neither it nor `scan`'s
    pipeline needs httpx (with the rich, click and pygments its package imports) or
    cryptography, which only a registry image or a --key calls for."""
    code = (
        "import sys\n"
        "from dockwise import cli\n"
        f"cli.main(['sbom', '-q', '-f', 'cyclonedx-json', '-o', '/dev/null', {image!r}])\n"
        "sbom = {m.split('.')[0] for m in sys.modules}\n"
        "import dockwise.commands.scan, dockwise.pipeline.check\n"
        "scan = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(sbom & {'yaml', 'packaging', 'httpx', 'cryptography'}),"
        " sorted(scan & {'httpx', 'cryptography', 'pygments', 'click'}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "[]"]


def test_a_warm_sbom_imports_no_layer_reader_cataloger_or_analyzer(image, tmp_path):
    """A re-scan answered by the inventory cache opens the image and reads no layer: the
    reader (isal, the tar walk), the file tree, the catalogers and analyzers stay out."""
    code = (
        "import sys\n"
        "from dockwise import cli\n"
        f"cli.main(['sbom', '-q', '-f', 'cyclonedx-json', '-o', '/dev/null', {image!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('isal', 'dockwise.source.layer',"
        " 'dockwise.source.filetree', 'dockwise.catalog', 'dockwise.analyze'))))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, timeout=120, check=False) for _ in range(2)]  # fmt: skip
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    cold, warm = (r.stdout.strip() for r in runs)
    assert "dockwise.source.layer" in cold  # the first run read the layers
    assert warm == "[]"


def test_a_cold_sbom_imports_only_the_analyzers_the_inventory_reads(image, tmp_path):
    """The registry imports an analyzer's module when a run uses it: `sbom` reads no
    secrets, indicators or run configuration, so their modules (and the rules they
    compile) stay out; `scan` loads them all."""
    checks = ("dockwise.analyze.secrets", "dockwise.analyze.indicators",
              "dockwise.analyze.runconfig")  # fmt: skip
    code = (
        "import sys\n"
        "from dockwise import cli\n"
        "cli.main(sys.argv[1:])\n"
        f"print(sorted(m for m in sys.modules if m.startswith({checks!r})))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    db = tmp_path / "empty.db"
    writer = DbWriter(db)  # no advisories: the checks still run
    writer.finish({"built": fresh()})
    runs = {
        command: subprocess.run(
            [sys.executable, "-c", code, command, "-q", "--no-cache", "-o", "/dev/null", image,
             *extra], capture_output=True, text=True, env=env, timeout=120, check=False)
        for command, extra in (("sbom", ()), ("scan", ("--offline", "--db", str(db))))
    }  # fmt: skip
    assert runs["sbom"].returncode == 0, runs["sbom"].stderr
    assert runs["sbom"].stdout.strip() == "[]"
    assert runs["scan"].stdout.strip() == str(sorted(checks)), runs["scan"].stderr
