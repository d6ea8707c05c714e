"""The pipeline, in the one direction a scan runs:

    open -> inventory -> provenance -> checkers -> suppress -> answers

`read` takes the image to its inventory (`sbom` ends there); `check` runs the rest (`scan`).
Only `read` is imported here, so an SBOM run never imports the advisory matching,
provenance or lifecycle code.
"""

from dockwise.pipeline.read import Progress, analyze_layers, inventory, sbom

__all__ = ["Progress", "analyze_layers", "inventory", "sbom"]
