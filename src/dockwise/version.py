"""The version, at the floor: every layer names it (SBOM creator, User-Agent, cache keys)
without importing the package's public API."""

__version__ = "0.1.0"
