"""One exception hierarchy; the CLI turns any of these into exit code 2 and one line."""


class DockwiseError(Exception):
    """Base of every error dockwise reports to the user as a single line."""


class SourceError(DockwiseError):
    """The image (or directory, or SBOM) cannot be read as a whole."""


class CatalogError(DockwiseError):
    """A cataloger could not run at all (a single bad file is a warning, not this)."""


class ReportError(DockwiseError):
    """An output could not be rendered or written."""
