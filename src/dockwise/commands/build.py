"""`dockwise build SPEC --output PATH --push REF`: build an image from a distribution's
packages, vet it with the scan pipeline, attach its SBOM and provenance, and write or push
it only when the policy passes (docs/build.md)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from dockwise.commands.db import MIRROR_HELP
from dockwise.commands.flags import add_registry_arguments, registry_access, write_output
from dockwise.commands.gate import (
    add_policy_arguments,
    finish,
    render_report,
    resolve_policy,
    today,
)
from dockwise.errors import DockwiseError
from dockwise.report import REPORTERS
from dockwise.vulndb.status import DEFAULT_MAX_AGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="the build spec (TOML; docs/build.md)")
    parser.add_argument(
        "--output", metavar="PATH",
        help="where to write the image: an OCI archive for a .tar path, else an OCI layout "
        "directory (new or empty)",
    )  # fmt: skip
    parser.add_argument("--push", metavar="REF", help="push the image, its SBOM and "
                        "provenance to the registry REF (HOST/REPO:TAG)")  # fmt: skip
    parser.add_argument("--tag", default="latest", help="the image's reference name in the "
                        "layout (default: latest)")  # fmt: skip
    parser.add_argument(
        "-f", "--format", dest="output_format", choices=list(REPORTERS), default="table",
        help="format of the vetting report",
    )  # fmt: skip
    parser.add_argument("--report", metavar="FILE", help="write the vetting report to FILE")
    add_vetting_arguments(parser)
    add_policy_arguments(parser.add_argument_group("policy gate (exit 1, nothing written)"))
    add_registry_arguments(parser.add_argument_group("registry access (--push)"))


def add_vetting_arguments(parser: argparse.ArgumentParser) -> None:
    """--db, --mirror, --max-db-age and --quiet: where the vetting scan's advisories come
    from, as `dockwise scan` takes them (also for `rebuild` and `outdated`)."""
    parser.add_argument(
        "--db", metavar="PATH", help="vulnerability database (default: $DOCKWISE_DB, else cache)"
    )
    parser.add_argument("--mirror", metavar="URL", help=MIRROR_HELP.replace("read", "build from"))
    parser.add_argument("--max-db-age", default=DEFAULT_MAX_AGE, metavar="AGE",
                        help="refresh an older database first (default 7d)")  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no notices on stderr")


def vetting(args: argparse.Namespace):  # noqa: ANN201 - build.vetting.Vetting, imported late
    from dockwise.build.vetting import Vetting

    return Vetting(args.db, args.mirror, args.max_db_age, args.quiet)


def run(args: argparse.Namespace) -> int:
    code, _ = build_and_write(args, vetting(args))
    return code


def build_and_write(args: argparse.Namespace, vetting, *,
                    report: bool = True) -> tuple[int, object]:  # fmt: skip
    """Build the spec, print the vetting report (to --report, else stdout when `report`),
    apply the policy and write the image only when it passes; the exit code and the
    build (`builder.Built`)."""
    from dockwise.build.builder import build
    from dockwise.build.spec import load_spec
    from dockwise.policy import evaluate

    if not args.output and not args.push:
        raise DockwiseError("build: nowhere to put the image: give --output PATH or --push REF")
    spec = load_spec(Path(args.spec))
    policy = resolve_policy(args.policy, args.fail_on, Path.cwd())
    output = Path(args.output) if args.output else None
    access = registry_access(args) if args.push else None
    writable(output)
    with tempfile.TemporaryDirectory(prefix="dockwise-build-") as work:
        built = _as_written(build(spec, Path(work), source_date_epoch(), args.tag, vetting),
                            output, args.push)  # fmt: skip
        verdict = evaluate(built.result, policy, today()) if policy else None
        if report or args.report:
            write_output(render_report(built.result, args.output_format, verdict), args.report)
        if verdict is not None and not verdict.passed:
            where = " and ".join(str(w) for w in (output, args.push) if w)
            notice(f"policy failed: {where} not written", args.quiet, force=True)
            return finish(verdict), built
        if access is not None:
            push_image(built.layout, args.push, access, args.quiet)
        if output:
            publish_image(built.layout, built.digest, output, args.quiet)
    return (finish(verdict) if verdict else 0), built


def push_image(layout: Path, target: str, access, quiet: bool) -> None:
    """Push the vetted layout; say where the SBOM and provenance can be found."""
    from dockwise.source.registry.push import push_layout

    pushed = push_layout(layout, target, access)
    notice(f"pushed {pushed.digest} -> {pushed.reference} ({pushed.blobs_sent} blobs "
            f"sent, {pushed.blobs_skipped} already there)", quiet)  # fmt: skip
    if pushed.fallback and pushed.artifacts:
        notice(f"the registry has no referrers API: SBOM and provenance listed under the "
                f"{pushed.referrers} (OCI distribution spec 1.1 fallback)", quiet)  # fmt: skip


def publish_image(layout: Path, digest: str, output: Path, quiet: bool) -> None:
    """Move the scratch layout to `output` (a directory, or an OCI archive for `.tar`)."""
    from dockwise.build.oci import publish

    try:
        publish(layout, output)
    except OSError as exc:  # the output changed while building, or the disk is full
        raise DockwiseError(f"{output}: cannot write the image ({exc})") from None
    notice(f"wrote {digest} -> {output}", quiet)


def writable(output: Path | None) -> None:
    """Refuse, before any work, an --output that could not be written."""
    from dockwise.build.oci import check_output

    if output is None:
        return
    try:
        check_output(output)
    except OSError as exc:
        raise DockwiseError(f"{output}: cannot write the image ({exc})") from None


def _as_written(built, output: Path | None, push: str | None):
    """The build with its vetting result naming the image where it is written."""
    import dataclasses

    return dataclasses.replace(built, result=as_written(built.result, output, push))


def as_written(result, output: Path | None, push: str | None):
    """A vetting result naming the image where it is written (or, with no --output,
    pushed), not the scratch layout it was read from."""
    import dataclasses

    if output is None:
        scheme, where = "registry", push
    else:
        scheme, where = ("oci-archive" if output.suffix == ".tar" else "oci-dir"), output
    image = dataclasses.replace(result.image, source=f"{scheme}:{where}", scheme=scheme)
    return dataclasses.replace(result, image=image)


def source_date_epoch() -> int | None:
    """$SOURCE_DATE_EPOCH (reproducible-builds.org/specs/source-date-epoch), if set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise DockwiseError(f"SOURCE_DATE_EPOCH={value!r}: expected seconds since 1970")
    return int(value)


def notice(line: str, quiet: bool, *, force: bool = False) -> None:
    if force or not quiet:
        print(f"dockwise: {line}", file=sys.stderr)
