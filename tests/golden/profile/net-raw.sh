# dockwise run profile for demo:latest
# user 1000: the image's USER 1000
# tmpfs /tmp: scratch space most programs expect
# capabilities: drop ALL
# add NET_RAW: file capability on /usr/bin/ping
# allowPrivilegeEscalation true: file capabilities of /usr/bin/ping are not granted under no_new_privs to a non-root user
docker run --read-only --cap-drop ALL --cap-add NET_RAW --user 1000:1000 --tmpfs /tmp demo:latest
podman run --read-only --cap-drop ALL --cap-add NET_RAW --user 1000:1000 --tmpfs /tmp demo:latest
