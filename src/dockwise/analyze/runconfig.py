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
# `daemon args &` at the end of a line (not `&&`): a process sent to the background
_BACKGROUND = re.compile(rb"^\s*(?:exec\s+|nohup\s+)?([\w./-]+)[^\n&#]*(?<!&)&\s*(?:#.*)?$", re.M)
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
        started = sorted({m.decode("utf-8", "replace").rsplit("/", 1)[-1]
                          for m in _BACKGROUND.findall(content)})  # fmt: skip
        return {"background": started} if started else None


def _users(content: bytes) -> dict[str, list]:
    """name -> [uid, gid, home] of well-formed passwd lines."""
    users: dict[str, list] = {}
    for line in content.decode("utf-8", "replace").splitlines()[:MAX_USERS]:
        fields = line.split(":")
        if len(fields) >= 6 and fields[2].isdigit() and fields[3].isdigit():
            users[fields[0]] = [int(fields[2]), int(fields[3]), fields[5]]
    return users
