"""Where an image came from: name and digests, build time, labels, base image,
signatures, and what its build history did (download-and-execute, secrets, pinning).

`provenance(image, distro, today)` is the entry point; the history checker
(`checks.history`) applies the history rules inside `dockwise scan`.
"""

from importlib import import_module

# each name from its module on first use (PEP 562): `sbom` needs only origin's `metadata`,
# and importing the signature module brings cryptography, 20 ms of every `sbom`
_MODULES = {
    "dockwise.provenance.base": ("BaseImage", "infer_base"),
    "dockwise.provenance.catalogue": ("BaseCatalogue", "KnownBase"),
    "dockwise.provenance.origin": ("Metadata", "Origin", "origin"),
    "dockwise.provenance.signature": (
        "SignatureState", "SignatureStatus", "signature_status", "verify_simple_signing",
    ),
    "dockwise.provenance.summary": ("Provenance", "lessons", "provenance", "verdict"),
    "dockwise.source.registry.cosign": ("SignatureArtifact", "SignatureLookup"),
}  # fmt: skip
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str):  # noqa: ANN202 - whatever the submodule defines
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)


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
