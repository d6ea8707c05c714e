"""dockwise: vet a container image from its own bytes."""

__version__ = "0.1.0"
