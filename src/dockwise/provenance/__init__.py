"""Where an image came from: name and digests, build time, labels, base image,
signatures, and what its build history did (download-and-execute, secrets, pinning).

`provenance(image, distro, today)` is the entry point; the history checker
(`checks.history`) applies the history rules inside `dockwise scan`.
"""

from dockwise.provenance.base import BaseImage, infer_base
from dockwise.provenance.catalogue import BaseCatalogue, KnownBase
from dockwise.provenance.origin import Metadata, Origin, origin
from dockwise.provenance.signature import (
    SignatureState,
    SignatureStatus,
    signature_status,
    verify_simple_signing,
)
from dockwise.provenance.summary import Provenance, lessons, provenance, verdict
from dockwise.source.registry.cosign import SignatureArtifact, SignatureLookup

__all__ = [
    "BaseCatalogue",
    "BaseImage",
    "KnownBase",
    "Metadata",
    "Origin",
    "Provenance",
    "SignatureArtifact",
    "SignatureLookup",
    "SignatureState",
    "SignatureStatus",
    "infer_base",
    "lessons",
    "origin",
    "provenance",
    "signature_status",
    "verdict",
    "verify_simple_signing",
]
