"""How an image is set up to run: its users, the services a process supervisor or cron
starts, and the daemons a shell entrypoint sends to the background.

Small facts only (names and counts, never the content), read during the layer pass so
that `checks/rundesign.py` and the run profile (`runprofile/`) need no file contents.
"""

from __future__ import annotations

import re

from dockwise.runprofile.rules import RUN_CONFIG_GLOBS, SERVICE_DIRS
from dockwise.source.filetree import glob_regex

MAX_SIZE = 256 * 1024  # config files and entrypoint scripts are small
MAX_USERS = 512  # /etc/passwd lines kept (uid, gid, home) beyond which the rest is cut
_GLOBS = glob_regex(RUN_CONFIG_GLOBS)
CRONTABS = ("etc/crontab", "etc/cron.d/", "var/spool/cron/")
_PROGRAM = re.compile(rb"^\s*\[program:([^\]\s]+)\]", re.M)
_LAUNCHERS = (b"exec", b"nohup", b"setsid")  # words before the command they start
_CRON_JOB = re.compile(rb"^\s*(?:@\w+|[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\w*/,-]+\s+[\w*/,-]+)\s",
                       re.M)  # fmt: skip


class RunConfigAnalyzer:
    """Claims /etc/passwd, supervisor and cron configs, service run scripts, and shell
    scripts (where an entrypoint's background daemons show)."""

    name = "run-config"
    globs = RUN_CONFIG_GLOBS
    max_size = MAX_SIZE

    def claims(self, path: str, head: bytes) -> bool:
        return _GLOBS.match(path) is not None or (head.startswith(b"#!") and b"sh" in head[:32])

    def analyze(self, path: str, content: bytes) -> object | None:
        if path == "etc/passwd":
            return {"users": _users(content)}
        if path.endswith(".conf") or path.rsplit("/", 2)[-2:-1] == ["conf.d"]:
            programs = [p.decode("utf-8", "replace") for p in _PROGRAM.findall(content)]
            if programs:
                return {"programs": programs}
        if path.startswith(CRONTABS):
            return {"cron_jobs": len(_CRON_JOB.findall(content))}
        if path.endswith("/run") and path.startswith(SERVICE_DIRS):
            return {"service": path.rsplit("/", 2)[-2]}
        started = background(content)
        return {"background": started} if started else None


def background(script: bytes) -> list[str]:
    """Commands a shell script sends to the background: lines ending in `&` (not `&&`),
    comments aside. A line loop, not one regex: real scripts made a backtracking
    pattern cost 0.1 s per image."""
    started = set()
    for line in script.split(b"\n") if b"&" in script else ():
        code = line.split(b" #", 1)[0].strip()
        if code.endswith(b"&") and not code.endswith((b"&&", b">&")) and b"#" not in code[:1]:
            words = [w for w in code[:-1].split() if w not in _LAUNCHERS]
            if words:
                started.add(words[0].rsplit(b"/", 1)[-1].decode("utf-8", "replace"))
    return sorted(started)


def _users(content: bytes) -> dict[str, list]:
    """name -> [uid, gid, home] of well-formed passwd lines."""
    users: dict[str, list] = {}
    for line in content.decode("utf-8", "replace").splitlines()[:MAX_USERS]:
        fields = line.split(":")
        if len(fields) >= 6 and fields[2].isdigit() and fields[3].isdigit():
            users[fields[0]] = [int(fields[2]), int(fields[3]), fields[5]]
    return users
