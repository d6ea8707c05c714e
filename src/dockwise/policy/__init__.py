"""The CI policy gate: a policy file in, a Verdict out, separate from scanning.

`load_policy`/`find_policy` read and validate the file, `evaluate` applies it to a
`ScanResult` (live or loaded from saved JSON), `describe` renders the verdict for stderr.
"""

from dockwise.policy.config import (
    KINDS,
    Policy,
    PolicyError,
    Rule,
    find_policy,
    load_policy,
    parse_policy,
    with_fail_on,
)
from dockwise.policy.verdict import Verdict, Violation, describe, evaluate, finding_line

__all__ = [
    "KINDS",
    "Policy",
    "PolicyError",
    "Rule",
    "Verdict",
    "Violation",
    "describe",
    "evaluate",
    "find_policy",
    "finding_line",
    "load_policy",
    "parse_policy",
    "with_fail_on",
]
