"""Known vulnerabilities: the checker (`checker`), which ecosystem and name each package
is looked up under (`ecosystems`), whether a version is inside an OSV range
(`osv_match`), the severity a finding gets (`severity`), and which package groups the
database could check at all (`coverage`)."""

from dockwise.checks.vulns.checker import VulnerabilityChecker

__all__ = ["VulnerabilityChecker"]
