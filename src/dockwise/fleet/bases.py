"""Whether each image's base moved: its base reference (the image's
`org.opencontainers.image.base.name`) asked for its digest in its registry now, compared
with the digest the image says it was built on (`...base.digest`). One request per
distinct base, however many images share it; the answer is kept on the images, so
`fleet status` says "moved" or "current" offline, and "not checked" before any check.
"""

from __future__ import annotations

import sqlalchemy as sa

from dockwise.errors import DockwiseError
from dockwise.fleet import api
from dockwise.fleet.ingest import now
from dockwise.fleet.schema import images
from dockwise.fleet.store import Fleet


def check_bases(fleet: Fleet, access: api.RegistryAccess, host: str = "") -> list[str]:
    """Ask each base's registry (only `host`'s when given); warnings for the bases that
    could not be asked, whose last answer is kept."""
    if access.offline:
        return ["offline: base images not checked"]
    i, warnings = images.c, []
    with fleet.engine.connect() as connection:
        names = connection.execute(sa.select(i.base_name).where(i.base_name != "")
                                   .distinct()).scalars().all()  # fmt: skip
    for name in sorted(names):
        ref = api.parse_reference(name)
        if ref is None or (host and ref.domain != host):
            continue
        try:
            latest = api.manifest_digest(name, access)
        except DockwiseError as exc:
            warnings.append(f"{name}: base not checked ({exc})")
            continue
        with fleet.engine.begin() as connection:
            connection.execute(images.update().where(i.base_name == name)
                               .values(base_latest=latest, base_checked=now()))  # fmt: skip
    return warnings
