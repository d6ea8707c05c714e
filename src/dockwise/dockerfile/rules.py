"""The rule registry: metadata from rules.toml, bound explicitly to the check functions.

Ids are ours (`DW###`); `hadolint` lists the equivalent hadolint ids so that a user
migrating from hadolint can translate an ignore list (`hadolint_map()`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from dockwise.dockerfile import instructions, packages, runs
from dockwise.dockerfile.stages import Context, Hit
from dockwise.model import Severity

Check = Callable[[Context], Iterator[Hit]]

CHECKS: dict[str, Check] = {
    "DW001": instructions.untagged_base,
    "DW002": instructions.latest_base,
    "DW003": instructions.root_user,
    "DW004": instructions.maintainer,
    "DW005": instructions.relative_workdir,
    "DW006": instructions.invalid_port,
    "DW007": instructions.add_local_file,
    "DW008": instructions.copy_from_undefined,
    "DW009": instructions.copy_from_self,
    "DW010": instructions.duplicate_stage_name,
    "DW011": instructions.shell_form_command,
    "DW012": instructions.multiple_cmd,
    "DW013": instructions.multiple_entrypoint,
    "DW014": instructions.missing_healthcheck,
    "DW015": runs.pipe_without_pipefail,
    "DW016": runs.sudo,
    "DW017": runs.cd,
    "DW018": runs.curl_and_wget,
    "DW019": instructions.build_secret,
    "DW020": runs.download_execute,
    "DW021": runs.chmod_777,
    "DW022": instructions.add_url_without_checksum,
    "DW101": packages.apt_unpinned,
    "DW102": packages.apt_lists_kept,
    "DW103": packages.apt_without_yes,
    "DW104": packages.apt_recommends,
    "DW105": packages.apt_not_apt_get,
    "DW106": packages.apk_unpinned,
    "DW107": packages.apk_cache_kept,
    "DW108": packages.pip_unpinned,
    "DW109": packages.pip_cache_kept,
    "DW110": packages.npm_unpinned,
    "DW111": packages.yum_without_yes,
    "DW112": packages.yum_cache_kept,
    "DW113": packages.yum_unpinned,
    "DW114": packages.zypper_interactive,
    "DW115": packages.zypper_cache_kept,
    "DW116": packages.zypper_unpinned,
    "DW117": packages.dnf_without_yes,
    "DW118": packages.dnf_cache_kept,
    "DW119": packages.dnf_unpinned,
    "DW120": packages.apt_update_alone,
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint rule: what it is called, how bad it is, and the function that finds it."""

    id: str  # "DW101"
    hadolint: tuple[str, ...]  # ("DL3008",)
    severity: Severity
    title: str
    why: str
    check: Check

    @property
    def rule_id(self) -> str:
        """The Finding rule id, namespaced like every other checker's."""
        return f"dockerfile/{self.id}"


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule, in id order; a rule in the data without a check is a bug, not a skip."""
    data = tomllib.loads(files("dockwise.dockerfile").joinpath("rules.toml").read_text())
    return tuple(
        Rule(
            id=rule_id,
            hadolint=tuple(meta["hadolint"]),
            severity=Severity.parse(meta["severity"]),
            title=meta["title"],
            why=meta["why"],
            check=CHECKS[rule_id],
        )
        for rule_id, meta in sorted(data.items())
    )


def hadolint_map() -> dict[str, str]:
    """hadolint id -> our id, for translating `--ignore DL3008` and hadolint pragmas."""
    return {dl: rule.id for rule in rules() for dl in rule.hadolint}
