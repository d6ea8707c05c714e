# dockwise run profile for demo:latest
# user root: needs root because SSH server installed (openssh-server); runs a process supervisor (supervisord) with 2 services; cron daemon with 2 scheduled jobs (they start as root and switch users)
# tmpfs /run: daemons started as root write pid files and sockets here
# tmpfs /tmp: scratch space most programs expect
# capabilities: drop ALL
# add AUDIT_WRITE: SSH server installed (openssh-server) switches users
# add NET_BIND_SERVICE: EXPOSE 22/tcp is below 1024
# add SETGID: SSH server installed (openssh-server) switches users
# add SETUID: SSH server installed (openssh-server) switches users
# add SYS_CHROOT: SSH server installed (openssh-server) switches users
# allowPrivilegeEscalation false: no setuid binary or file capability that the entrypoint needs
docker run --read-only --cap-drop ALL --cap-add AUDIT_WRITE --cap-add NET_BIND_SERVICE --cap-add SETGID --cap-add SETUID --cap-add SYS_CHROOT --security-opt no-new-privileges --tmpfs /run --tmpfs /tmp demo:latest
podman run --read-only --cap-drop ALL --cap-add AUDIT_WRITE --cap-add NET_BIND_SERVICE --cap-add SETGID --cap-add SETUID --cap-add SYS_CHROOT --security-opt no-new-privileges --tmpfs /run --tmpfs /tmp demo:latest
