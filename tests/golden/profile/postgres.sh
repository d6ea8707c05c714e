# dockwise run profile for demo:latest
# user 999: the image's USER postgres
# tmpfs /tmp: scratch space most programs expect
# volume /var/lib/postgresql/data: VOLUME in the image config
# capabilities: drop ALL
# allowPrivilegeEscalation false: no setuid binary or file capability that the entrypoint needs
docker run --read-only --cap-drop ALL --security-opt no-new-privileges --user 999:999 --tmpfs /tmp --mount type=volume,target=/var/lib/postgresql/data demo:latest
podman run --read-only --cap-drop ALL --security-opt no-new-privileges --user 999:999 --tmpfs /tmp --mount type=volume,target=/var/lib/postgresql/data demo:latest
