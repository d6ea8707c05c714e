"""History findings on real-shaped `created_by` lines.

Negatives come from the official images' Dockerfiles in the shared corpus, turned into
history lines the way the builders record them: they download with curl/wget and verify
with gpg or sha256sum, which must not raise a download-and-execute alarm.
"""

import re
from pathlib import Path

import pytest

from dockwise.checks.history import HistoryChecker, history_findings
from dockwise.model import HistoryEntry, ImageInfo, LayerRef, RunConfig
from dockwise.provenance.steps import parse_step

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "dockerfiles"
DOCKERFILES = sorted(CORPUS.glob("*/*Dockerfile"))
_CONTINUED_COMMENT = re.compile(r"\n[ \t]*#[^\n]*")


def dockerfile_history(text: str) -> list[str]:
    """Dockerfile instructions as the legacy builder records them (`/bin/sh -c ...`)."""
    text = _CONTINUED_COMMENT.sub("", text).replace("\\\n", "")
    lines = []
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word.upper() == "RUN" and not rest.lstrip().startswith("["):
            lines.append(f"/bin/sh -c {rest.strip()}")
        elif word.upper() in ("ENV", "ARG", "ADD", "COPY", "LABEL", "CMD", "WORKDIR", "USER"):
            lines.append(f"/bin/sh -c #(nop)  {word.upper()} {rest.strip()}")
    return lines


def image(*created_by: str, env=()) -> ImageInfo:
    history = tuple(HistoryEntry(line, layer_index=i) for i, line in enumerate(created_by))
    layers = tuple(LayerRef(i, f"sha256:{i:064x}") for i in range(len(created_by)))
    return ImageInfo("test", "docker-archive", history=history, layers=layers,
                     config=RunConfig(env=env))  # fmt: skip


def rules(*created_by: str, env=()) -> list[str]:
    return [f.rule_id for f in history_findings(image(*created_by, env=env))]


def test_corpus_has_dockerfiles():
    assert len(DOCKERFILES) > 300


def test_official_images_raise_no_download_secret_or_url_alarm():
    alarms = {"provenance/download-execute", "provenance/build-secret", "provenance/add-url"}
    noisy = {
        path.relative_to(CORPUS).as_posix(): found
        for path in DOCKERFILES
        if (found := set(rules(*dockerfile_history(path.read_text()))) & alarms)
    }
    assert noisy == {}


def test_official_verified_download_then_execute_is_fine():
    # ruby's Dockerfile: rustup-init fetched with wget -O, checked with sha256sum, then run
    path = next(p for p in DOCKERFILES if "rustup-init" in p.read_text())
    line = next(h for h in dockerfile_history(path.read_text()) if "rustup-init" in h)
    assert "sha256sum --check" in line and "/tmp/rust/rustup-init -y" in line
    assert "provenance/download-execute" not in rules(line)
    unverified = re.sub(r"echo [^;]*\| sha256sum --check --strict;", "", line)
    assert "provenance/download-execute" in rules(unverified)


@pytest.mark.parametrize(
    "line",
    [
        "/bin/sh -c curl -fsSL https://get.example.com | sh",
        "/bin/sh -c curl -sL https://deb.nodesource.com/setup_18.x | sudo -E bash -",
        "/bin/sh -c wget -O- https://example.com/install.sh | bash",
        "/bin/sh -c wget -qO - https://x.io/i | /bin/sh -s -- -y",
        "RUN /bin/sh -c curl -fsSL https://sh.rustup.rs | sh -s -- -y # buildkit",
        '/bin/sh -c sh -c "$(curl -fsSL https://example.com/install.sh)"',
        "/bin/sh -c bash <(curl -s https://example.com/x.sh)",
        "/bin/sh -c curl -o /tmp/i.sh https://x.io/i.sh && sh /tmp/i.sh",
        "/bin/sh -c curl -fsSLo install.sh https://x.io/i && chmod +x install.sh && ./install.sh",
        "/bin/sh -c wget -O /usr/local/bin/tool https://x.io/t; chmod +x /usr/local/bin/tool; "
        "/usr/local/bin/tool init",
        # a checksum elsewhere cannot cover bytes piped straight into the shell
        "/bin/sh -c curl -fsSL https://x.io/i | sh && sha256sum -c SUMS",
    ],
    ids=["curl_sh", "nodesource_sudo_bash", "wget_stdout_bash", "wget_sh_args", "buildkit",
         "sh_c_subst", "process_subst", "curl_o_sh", "curl_o_dot_slash", "wget_o_path",
         "pipe_with_checksum_elsewhere"],
)  # fmt: skip
def test_download_execute(line):
    assert rules(line) == ["provenance/download-execute"]


@pytest.mark.parametrize(
    "line",
    [
        "/bin/sh -c curl -fsSL https://x.io/app.tar.gz | tar -xz -C /opt",
        "/bin/sh -c curl -fsSL https://x.io/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg",
        "/bin/sh -c curl -o i.sh https://x.io/i.sh && echo 'abc  i.sh' | sha256sum -c - && sh i.sh",
        "/bin/sh -c wget -O x.sh https://x.io/x.sh && wget -O x.sh.asc https://x.io/x.sh.asc "
        "&& gpg --batch --verify x.sh.asc x.sh && bash x.sh",
        "/bin/sh -c curl -o /tmp/data.json https://x.io/data.json && cat /tmp/data.json",
        "/bin/sh -c echo 'curl | sh is bad' > /dev/null",
    ],
    ids=["curl_tar", "curl_gpg_dearmor", "sha256_checked", "gpg_checked", "not_executed",
         "no_download"],
)  # fmt: skip
def test_no_download_execute(line):
    assert "provenance/download-execute" not in rules(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ADD https://example.com/app.tar.gz /opt/ # buildkit", ["provenance/add-url"]),
        ("/bin/sh -c #(nop) ADD https://example.com/x /x", ["provenance/add-url"]),
        ("ADD --checksum=sha256:" + "a" * 64 + " https://example.com/x /x # buildkit", []),
        ("/bin/sh -c #(nop) ADD file:" + "5d67" * 16 + " in / ", []),
        ("COPY https-notes.txt /x # buildkit", []),
    ],
    ids=["buildkit_url", "legacy_url", "checksum", "rootfs_file", "copy"],
)
def test_add_from_url(line, expected):
    assert rules(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "ARG NPM_TOKEN=npm_s3cr3tvalue0123456789",
        "RUN |1 NPM_TOKEN=s3cr3tvalue /bin/sh -c npm ci # buildkit",
        "|2 DB_PASSWORD=hunter2hunter2 VERSION=1.0 /bin/sh -c ./configure",
        "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2hunter2",
        "/bin/sh -c #(nop)  ENV API_KEY s3cr3tvalue",
        "/bin/sh -c docker build --build-arg GITHUB_TOKEN=s3cr3tvalue .",
    ],
    ids=["arg_default", "buildkit_build_arg", "legacy_build_arg", "env", "env_legacy_form",
         "build_arg_flag"],
)  # fmt: skip
def test_build_secrets_are_found_and_masked(line):
    (finding,) = history_findings(image(line))
    assert finding.rule_id == "provenance/build-secret"
    shown = " ".join(v for _, v in finding.evidence) + finding.title
    assert "hunter2" not in shown and "s3cr3t" not in shown
    assert "********" in shown


@pytest.mark.parametrize(
    "line",
    [
        "/bin/sh -c #(nop)  ENV GPG_KEY A035C8C19219BA821ECEA86B64E628F8D684696D",
        "/bin/sh -c #(nop)  ENV GPG_KEYS 1198C0117593497A5EC5C199286AF1F9897469DC",
        "ARG NPM_TOKEN # buildkit",
        "RUN |1 NPM_TOKEN=$NPM_TOKEN /bin/sh -c npm ci # buildkit",
        "/bin/sh -c #(nop)  ENV PASSWORD_FILE=/run/secrets/db",
        "|1 TOKEN=ghp_****[github-token] /bin/sh -c make",  # masked by the source: reported there
    ],
    ids=["gpg_key", "gpg_keys", "arg_without_value", "reference", "file_path", "source_masked"],
)
def test_no_build_secret(line):
    assert rules(line) == []


def test_env_still_in_config_is_left_to_the_secrets_checker():
    line = "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2hunter2"
    assert rules(line, env=(("DB_PASSWORD", "********"),)) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/bin/sh -c mkdir -p /data && chmod 777 /data", ["provenance/chmod-777"]),
        ("/bin/sh -c chmod -R 0777 /srv", ["provenance/chmod-777"]),
        ("/bin/sh -c chmod a+rwx /srv", ["provenance/chmod-777"]),
        ('/bin/sh -c mkdir -p "$GEM_HOME" && chmod 1777 "$GEM_HOME"', []),
        ("/bin/sh -c chmod 3777 /var/run/postgresql", []),
        ("/bin/sh -c chmod 755 /usr/local/bin/x", []),
    ],
    ids=["plain", "recursive_octal", "symbolic", "sticky", "setgid_sticky", "normal"],
)
def test_chmod_777(line, expected):
    assert rules(line) == expected


@pytest.mark.parametrize(
    ("line", "unpinned"),
    [
        ("/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl "
         "git=1:2.39.2-1", "curl"),
        ("/bin/sh -c apk add --no-cache --virtual .build-deps gcc musl-dev=1.2.4-r2", "gcc"),
        ("/bin/sh -c pip install --no-cache-dir -r requirements.txt flask requests==2.31.0",
         "flask"),
        ("/bin/sh -c python3 -m pip install 'django>=4'", "django>=4"),
        ("/bin/sh -c npm install -g npm@10.2.0 typescript @scope/pkg@1.0.0 left-pad@latest",
         "typescript, left-pad@latest"),
        ("/bin/sh -c DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata", "tzdata"),
    ],
    ids=["apt", "apk", "pip", "pip_module_range", "npm", "env_prefix"],
)  # fmt: skip
def test_unpinned_packages(line, unpinned):
    (finding,) = history_findings(image(line))
    assert finding.rule_id == "provenance/unpinned-packages"
    assert dict(finding.evidence)["match"] == unpinned


@pytest.mark.parametrize(
    "line",
    [
        "/bin/sh -c apt-get install -y curl=7.88.1-10+deb12u5",
        "/bin/sh -c pip install -r /app/requirements.txt requests==2.19.1 Django==2.2",
        "/bin/sh -c npm install lodash@4.17.11 minimist@0.0.8",
        "/bin/sh -c npm ci && npm install",
        "/bin/sh -c apk add --no-cache $runDeps",
        "/bin/sh -c pip install . && pip install /tmp/x.whl",
        "/bin/sh -c apt-get install -y ./local.deb",
        "/bin/sh -c apk add --no-cache --virtual .fetch-deps $(echo gnupg)",
    ],
    ids=["apt_pinned", "pip_pinned", "npm_pinned", "npm_lockfile", "variable", "pip_paths",
         "deb_file", "substitution"],
)  # fmt: skip
def test_pinned_or_not_judged(line):
    assert rules(line) == []


def test_findings_carry_history_and_layer():
    img = image("/bin/sh -c apt-get install -y curl", "/bin/sh -c curl https://x.io/i | sh")
    findings = list(HistoryChecker().check(type("Target", (), {"image": img})()))
    assert [f.rule_id for f in findings] == [
        "provenance/unpinned-packages", "provenance/download-execute"]  # fmt: skip
    last = findings[-1]
    assert last.kind == "provenance" and last.location.layer.index == 1
    assert dict(last.evidence)["history-index"] == "1"


@pytest.mark.parametrize(
    ("line", "instruction", "text", "args"),
    [
        ("/bin/sh -c apt-get update", "RUN", "apt-get update", ()),
        ("/bin/sh -c #(nop)  ENV A=b", "ENV", "A=b", ()),
        ("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", "RUN", "make", (("A", "1"), ("B", "2"))),
        ("|1 A=1 /bin/sh -c make", "RUN", "make", (("A", "1"),)),
        ("ADD https://x /y # buildkit", "ADD", "https://x /y", ()),
        ("mmdebstrap --variant=minbase bookworm", "", "mmdebstrap --variant=minbase bookworm", ()),
    ],
    ids=["legacy_run", "legacy_nop", "buildkit_args", "legacy_args", "buildkit_add", "other"],
)
def test_parse_step(line, instruction, text, args):
    step = parse_step(line)
    assert (step.instruction, step.text, step.build_args) == (instruction, text, args)
