"""The test images of issue 16, one per case, built with tools/imagepack.py: what each
shows is in its name and the docstring of CASES."""

from __future__ import annotations

from pathlib import Path

from dockwise.source.capability import encode
from tools.imagepack import ImageSpec, Member, write_docker_archive

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "postgres:x:999:999::/var/lib/postgresql:/bin/bash\n"
    "app:x:1000:1000::/app:/bin/sh\n"
)


def dpkg(*packages: str) -> str:
    """A dpkg status file with these packages installed (version 1.0)."""
    return "".join(f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\n"
                   f"Version: 1.0\n\n" for name in packages)  # fmt: skip


def base(*packages: str) -> dict[str, str]:
    return {"etc/os-release": OS_RELEASE, "etc/passwd": PASSWD,
            "var/lib/dpkg/status": dpkg("base-files", *packages)}  # fmt: skip


SUPERVISOR = ImageSpec(
    layers=[
        base("supervisor", "openssh-server", "cron"),
        {"etc/supervisor/conf.d/services.conf":
             "[program:sshd]\ncommand=/usr/sbin/sshd -D\n\n[program:cron]\ncommand=cron -f\n",
         "etc/ssh/ssh_host_ed25519_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n",
         "etc/ssh/ssh_host_ed25519_key.pub": "ssh-ed25519 AAAA root@build\n",
         "etc/crontab": "SHELL=/bin/sh\n17 * * * * root cd / && run-parts /etc/cron.hourly\n",
         "etc/cron.d/backup": "0 3 * * * root /usr/local/bin/backup\n"},
    ],
    config={"Entrypoint": ["/usr/bin/supervisord", "-n"], "ExposedPorts": {"22/tcp": {}}},
)  # fmt: skip

POSTGRES = ImageSpec(
    layers=[
        base("postgresql-15"),
        [Member("var/lib/postgresql", kind="dir", uid=999, gid=999, mode=0o755),
         Member("var/lib/postgresql/data", kind="dir", uid=999, gid=999, mode=0o700),
         Member("var/lib/postgresql/data/PG_VERSION", b"15\n", uid=999, gid=999),
         Member("var/lib/postgresql/data/base/1/1259", b"\0" * 64, uid=999, gid=999)],
    ],
    config={"User": "postgres", "Cmd": ["postgres"], "ExposedPorts": {"5432/tcp": {}},
            "Volumes": {"/var/lib/postgresql/data": {}}},
)  # fmt: skip

BUILD_LEFTOVERS = ImageSpec(
    layers=[
        base("gcc", "make", "libc6-dev", "python3"),
        {"app/main.py": "print('hi')\n", "app/.git/HEAD": "ref: refs/heads/main\n",
         "app/.git/config": "[core]\n"},
    ],
    config={"Cmd": ["python3", "/app/main.py"], "WorkingDir": "/app"},
)  # fmt: skip

NET_RAW = ImageSpec(
    layers=[
        base("iputils-ping"),
        [Member("usr/bin/ping", b"\x7fELF" + b"\0" * 60, mode=0o755,
                xattrs={"security.capability": encode(["NET_RAW"])}),
         Member("app", kind="dir", uid=1000, gid=1000, mode=0o755),
         Member("app/probe.sh", b"#!/bin/sh\nexec ping -c1 \"$TARGET\"\n", mode=0o755)],
    ],
    config={"User": "1000", "Entrypoint": ["/app/probe.sh"]},
)  # fmt: skip

PORT_80 = ImageSpec(
    layers=[
        base("nginx"),
        [Member("app", kind="dir", mode=0o755),
         Member("app/cache", kind="dir", uid=1000, gid=1000, mode=0o755),
         Member("app/server", b"\x7fELF" + b"\0" * 60, mode=0o755)],
    ],
    config={"User": "app", "Entrypoint": ["/app/server"], "ExposedPorts": {"80/tcp": {}}},
)  # fmt: skip

BACKGROUND = ImageSpec(
    layers=[
        base(),
        [Member("entrypoint.sh", b"#!/bin/sh\nset -e\ncron &\n/usr/sbin/sshd -D &\n"
                b"nginx -g 'daemon off;' & # web\nwait && echo done\n", mode=0o755)],
    ],
    config={"Entrypoint": ["/entrypoint.sh"]},
)  # fmt: skip

# name -> image: a supervisord running sshd and cron with baked host keys; a postgres-like
# image with its data directory pre-filled (in a VOLUME); a runtime image with gcc and a
# .git; a file with cap_net_raw+ep; a non-root app binding port 80; an entrypoint script
# that starts daemons in the background.
CASES = {"supervisor": SUPERVISOR, "postgres": POSTGRES, "build-leftovers": BUILD_LEFTOVERS,
         "net-raw": NET_RAW, "port-80": PORT_80, "background": BACKGROUND}  # fmt: skip


def build(name: str, directory: Path) -> str:
    """The case's image as a docker-archive SOURCE under `directory`."""
    path = directory / f"{name}.tar"
    write_docker_archive(CASES[name], path)
    return f"docker-archive:{path}"
