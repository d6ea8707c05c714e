"""Known vulnerabilities: the checker (`checker`), which ecosystem and name each package
is looked up under (`ecosystems`), whether a version is inside an OSV range
(`osv_match`), and the severity a finding gets (`severity`)."""

from dockwise.checks.vulns.checker import VulnerabilityChecker

__all__ = ["VulnerabilityChecker"]
