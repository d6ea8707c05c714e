"""What "use it as designed" looks for: the data `checks/rundesign.py` and the run profile
apply, kept apart from the code so that it reads as a list (docs/run-as-designed.md says
why each entry matters)."""

from __future__ import annotations

# Paths whose small facts analyze/runconfig.py keeps: users, supervised services, cron jobs.
SERVICE_DIRS = ("etc/service/", "etc/sv/", "etc/services.d/", "etc/s6-overlay/")
RUN_CONFIG_GLOBS = (
    "etc/passwd",
    "etc/supervisord.conf", "etc/supervisor/supervisord.conf", "etc/supervisor/conf.d/*",
    "etc/supervisord.d/*",
    "etc/crontab", "etc/cron.d/*", "var/spool/cron/*", "var/spool/cron/crontabs/*",
    "etc/service/*/run", "etc/sv/*/run", "etc/services.d/*/run",
    "etc/s6-overlay/s6-rc.d/*/run",
)  # fmt: skip

# Process supervisors: an executable name (entrypoint or cmd) or a package -> its name.
SERVICE_MANAGERS = {
    "supervisord": "supervisord", "supervisor": "supervisord",
    "s6-svscan": "s6", "s6": "s6", "s6-overlay": "s6", "init": "an init system",
    "runsvdir": "runit", "runit": "runit", "runsv": "runit",
    "systemd": "systemd", "systemd-sysv": "systemd",
}  # fmt: skip

SSH_HOST_KEYS = ("etc/ssh/ssh_host_*_key", "etc/dropbear/dropbear_*_host_key")
CRON_DAEMONS = frozenset({"cron", "cronie", "anacron", "bsd-cron", "dcron", "busybox-openrc"})

# Data directories of databases: a file under one means the image ships a database's state.
DATABASE_DIRS = {
    "var/lib/postgresql/": "PostgreSQL", "var/lib/mysql/": "MySQL/MariaDB",
    "data/db/": "MongoDB", "var/lib/mongodb/": "MongoDB", "var/lib/redis/": "Redis",
    "var/lib/cassandra/": "Cassandra", "var/lib/elasticsearch/": "Elasticsearch",
}  # fmt: skip

# Logs a package manager wrote while the image was built: history, not a growing log.
BUILD_LOGS = ("var/log/apt/", "var/log/dpkg.log", "var/log/alternatives.log",
              "var/log/bootstrap.log", "var/log/faillog", "var/log/lastlog",
              "var/log/wtmp", "var/log/btmp", "var/log/dnf", "var/log/yum.log",
              "var/log/hawkey.log", "var/log/apk.log")  # fmt: skip

# Compilers and build tools (package names; `-dev` packages are matched by suffix).
BUILD_TOOLS = frozenset({
    "gcc", "g++", "clang", "make", "build-essential", "cmake", "autoconf", "automake",
    "libtool", "pkg-config", "pkgconf", "bison", "flex", "gfortran", "build-base",
    "musl-dev", "libc6-dev", "gcc-c++", "rustc", "cargo",
})  # fmt: skip
DEV_SUFFIXES = ("-dev", "-devel")

# Writable at run time by design: the runtime mounts a fresh tmpfs there anyway.
RUNTIME_DIRS = ("tmp", "var/tmp", "run", "dev", "proc", "sys")
# Setuid helpers an entrypoint uses to drop (or gain) privilege.
PRIVILEGE_HELPERS = frozenset({"su", "sudo", "doas", "su-exec", "gosu", "setpriv", "chroot"})
PRIVILEGED_PORT = 1024  # ports below need NET_BIND_SERVICE (or net.ipv4.ip_unprivileged_port_start)

# Findings whose daemons start as root and switch users: the capabilities they need back.
NEEDS_ROOT = {
    "design/service-manager": ("SETUID", "SETGID"),
    "design/cron-jobs": ("SETUID", "SETGID"),
    "config/ssh-server": ("SETUID", "SETGID", "SYS_CHROOT", "AUDIT_WRITE"),
}
NOBODY = 65534  # the conventional unprivileged uid, when no user owns the app's files
MAX_MOUNTS = 12  # writable paths listed beyond VOLUMEs and /tmp
