"""dockwise: vet a container image from its own bytes."""

from dockwise.version import __version__ as __version__
