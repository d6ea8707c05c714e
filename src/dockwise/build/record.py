"""What a build records about itself: the image config and annotations, the CycloneDX
SBOM of the vetted result, and a SLSA provenance v1 statement (in-toto Statement v1).

The archive state (each `Release`/`InRelease` file's sha256 and date), every package's
`.deb` sha256 and the spec's digest go into the provenance's resolved dependencies and
the SBOM; the spec digest also goes into labels and annotations, where a plain `docker
inspect` shows it. The archive state stays out of the image itself: its Release dates
move with every archive run, and an unchanged package set must keep its digest.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dockwise.build.bootstrap import Bootstrap, DebPackage
from dockwise.build.spec import BuildSpec
from dockwise.model import ScanResult
from dockwise.version import __version__

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SPEC_DIGEST = "dev.dockwise.build.spec.digest"
IN_TOTO_STATEMENT = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://github.com/dockwise/dockwise/blob/main/docs/build.md#provenance"
CYCLONEDX = "application/vnd.cyclonedx+json"
IN_TOTO = "application/vnd.in-toto+json"


@dataclasses.dataclass(frozen=True, slots=True)
class BuildFacts:
    """Everything recorded about one build, known once the layers are written."""

    spec: BuildSpec
    bootstrap: Bootstrap
    epoch: int
    architecture: str
    diff_ids: tuple[str, ...]

    @property
    def created(self) -> str:
        return datetime.fromtimestamp(self.epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def base_name(self) -> str:
        """The release the packages came from, named as its official image names it."""
        return f"{self.spec.distribution.name}:{self.codename}"

    @property
    def codename(self) -> str:
        names = [r.codename for r in self.bootstrap.releases if r.codename]
        return min(names, key=len) if names else self.spec.distribution.suite


def annotations(facts: BuildFacts) -> dict[str, str]:
    """The manifest's OCI annotations (image-spec annotations.md) and dockwise's own."""
    image = facts.spec.image
    found = {
        "org.opencontainers.image.created": facts.created,
        "org.opencontainers.image.base.name": facts.base_name,
        "org.opencontainers.image.source": image.source,
        "org.opencontainers.image.revision": image.revision,
        SPEC_DIGEST: facts.spec.digest,
    }
    return {key: value for key, value in found.items() if value}


def config_document(facts: BuildFacts) -> dict[str, Any]:
    """The OCI image config (image-spec config.md)."""
    image = facts.spec.image
    env = {"PATH": PATH, **dict(image.env)}  # the spec's PATH, if it sets one, wins
    run: dict[str, Any] = {
        "Env": [f"{key}={value}" for key, value in env.items()],
        "Labels": {**dict(image.labels), **annotations(facts)},
    }
    run.update({key: value for key, value in (
        ("User", image.user), ("WorkingDir", image.workdir),
        ("Entrypoint", list(image.entrypoint)), ("Cmd", list(image.cmd)),
        ("ExposedPorts", {port: {} for port in image.ports}),
    ) if value})  # fmt: skip
    history = [{"created": facts.created, "created_by": _bootstrap_step(facts)}]
    if len(facts.diff_ids) > 1:
        copies = ", ".join(f"{c.source.name} -> {c.destination}" for c in facts.spec.files)
        history.append({"created": facts.created, "created_by": f"dockwise build: COPY {copies}"})
    return {
        "created": facts.created,
        "architecture": facts.architecture,
        "os": "linux",
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": list(facts.diff_ids)},
        "history": history,
    }


def _bootstrap_step(facts: BuildFacts) -> str:
    names = ",".join(sorted(p.name for p in facts.bootstrap.packages))
    return f"dockwise build: mmdebstrap --variant=extract {facts.codename} (packages: {names})"


def provenance(facts: BuildFacts, subject: dict[str, Any], name: str) -> dict[str, Any]:
    """A SLSA v1 provenance statement for the image manifest `subject`."""
    return {
        "_type": IN_TOTO_STATEMENT,
        "subject": [{"name": name, "digest": {"sha256": subject["digest"].split(":")[1]}}],
        "predicateType": SLSA_PROVENANCE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "spec": {"path": facts.spec.path.name, "digest": facts.spec.digest},
                    "distribution": facts.spec.distribution.name,
                    "suite": facts.spec.distribution.suite,
                    "packages": list(facts.spec.packages),
                },
                "internalParameters": {
                    "SOURCE_DATE_EPOCH": facts.epoch,
                    "mmdebstrap": list(facts.bootstrap.command),
                },
                "resolvedDependencies": list(_dependencies(facts)),
            },
            "runDetails": {
                "builder": {"id": "https://github.com/dockwise/dockwise",
                            "version": {"dockwise": __version__}},  # fmt: skip
            },
        },
    }


def _dependencies(facts: BuildFacts) -> Iterator[dict[str, Any]]:
    """The archive state first (each index file apt verified), then every package."""
    for release in facts.bootstrap.releases:
        yield {
            "uri": f"apt-list:{release.name}",
            "digest": {"sha256": release.sha256},
            "annotations": {"date": release.date, "suite": release.suite,
                            "codename": release.codename, "origin": release.origin},  # fmt: skip
        }
    for package in facts.bootstrap.packages:
        yield {"uri": _purl(package, facts), "digest": {"sha256": package.sha256},
               "name": package.filename}  # fmt: skip


def _purl(package: DebPackage, facts: BuildFacts) -> str:
    distro = facts.spec.distribution.name
    return f"pkg:deb/{distro}/{package.name}@{package.version}?arch={package.architecture}"


def sbom(result: ScanResult, facts: BuildFacts, name: str) -> bytes:
    """The vetted inventory as CycloneDX 1.6, each Debian package with its `.deb` hash and
    the archive state and spec digest as metadata properties; timestamp and serial number
    come from the build, so a rebuild writes the same document."""
    from dockwise.report.cyclonedx import bom_dict

    stable = dataclasses.replace(
        result, generated=facts.created, image=dataclasses.replace(result.image, source=name)
    )
    bom = bom_dict(stable)
    hashes = {(p.name, p.version): p.sha256 for p in facts.bootstrap.packages}
    for component in bom.get("components", []):
        found = hashes.get((component["name"], component.get("version", "")))
        if found:
            component["hashes"] = [{"alg": "SHA-256", "content": found}]
    bom["metadata"]["properties"] = [
        {"name": key, "value": value} for key, value in _sbom_properties(facts)
    ]
    return json.dumps(bom, indent=2).encode() + b"\n"


def _sbom_properties(facts: BuildFacts) -> Iterator[tuple[str, str]]:
    yield SPEC_DIGEST, facts.spec.digest
    for release in facts.bootstrap.releases:
        yield "dev.dockwise.build.archive.release", json.dumps(
            {"name": release.name, "sha256": release.sha256, "date": release.date},
            sort_keys=True,
        )
