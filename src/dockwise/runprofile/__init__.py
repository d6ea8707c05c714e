"""The run profile: the least privilege an image can run with, worked out from its own
bytes (its config, file owners and modes, file capabilities, setuid files, volumes).

`derive.derive()` is pure: the image, its inventory and file tree in, a `RunProfile` out,
each setting with the reason for it. `render` writes it as Kubernetes securityContext
YAML, docker/podman run flags, a Compose service or JSON. `rules` is the data both this
and `checks/rundesign.py` apply.
"""
