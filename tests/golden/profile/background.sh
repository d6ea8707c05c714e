# dockwise run profile for demo:latest
# user 65534: USER is root and no other user owns the app's files: 65534 (nobody) can read what is world-readable
# tmpfs /tmp: scratch space most programs expect
# capabilities: drop ALL
# allowPrivilegeEscalation false: no setuid binary or file capability that the entrypoint needs
docker run --read-only --cap-drop ALL --security-opt no-new-privileges --user 65534:65534 --tmpfs /tmp demo:latest
podman run --read-only --cap-drop ALL --security-opt no-new-privileges --user 65534:65534 --tmpfs /tmp demo:latest
