# dockwise run profile for demo:latest
# user 1000: the image's USER app
# tmpfs /app/cache: owned by uid 1000 and writable: the app writes here
# tmpfs /tmp: scratch space most programs expect
# capabilities: drop ALL
# add NET_BIND_SERVICE: EXPOSE 80/tcp is below 1024
# allowPrivilegeEscalation false: no setuid binary or file capability that the entrypoint needs
docker run --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges --user 1000:1000 --tmpfs /app/cache --tmpfs /tmp demo:latest
podman run --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges --user 1000:1000 --tmpfs /app/cache --tmpfs /tmp demo:latest
