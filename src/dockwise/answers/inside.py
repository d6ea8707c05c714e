"""Question 2, what is inside? Package counts by type and layer, the largest layers,
files no package owns, and the language runtimes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from dockwise.answers.context import HISTORY_EXCERPT, Context, top
from dockwise.humanize import human_size
from dockwise.lifecycle.runtimes import RuntimeRef
from dockwise.model import Fact, Package, Section, Unanswered
from dockwise.provenance.steps import mask_secrets

LARGEST_LAYERS = 3
NAMED_PACKAGES = 4  # runtime-type packages named in the evidence of their count


def section(ctx: Context) -> Section:
    """The answer to "What is inside?"."""
    packages = ctx.inventory.packages
    by_type = Counter(p.type for p in packages)
    unowned = [f for f in ctx.inventory.files if any(k.startswith("unowned") for k in f.kinds)]
    refs = [ref for ref, _ in ctx.runtimes]
    facts = [Fact("packages", "packages", str(len(packages)), "inventory")]
    facts += [
        Fact(f"packages.type.{t}", f"{t} packages", str(n), _type_evidence(t, packages))
        for t, n in sorted(by_type.items())
    ]
    facts += _layer_facts(ctx)
    facts.append(
        Fact("files.unowned", "files no package owns", str(len(unowned)), "inventory files")
    )
    facts += [
        Fact(f"runtime.{r.name}", f"{r.name} runtime", r.version, _runtime_evidence(r))
        for r in refs
    ]
    verdict = (
        f"{len(packages)} packages ({top(by_type)}), {len(refs)} language runtime"
        f"{'' if len(refs) == 1 else 's'}{_runtime_list(refs)}, {len(unowned)} unowned files"
    )
    return Section("What is inside?", verdict, tuple(facts), tuple(_inside_unknowns(ctx)))


def _layer_facts(ctx: Context) -> list[Fact]:
    per_layer = Counter(
        p.location.layer.index for p in ctx.inventory.packages if p.location.layer is not None
    )
    facts = [Fact(f"layer.{i}.packages", f"packages in layer {i}", str(n))
             for i, n in sorted(per_layer.items())]  # fmt: skip
    largest = sorted(ctx.image.layers, key=lambda layer: -layer.tar_size)[:LARGEST_LAYERS]
    facts += [
        Fact(
            f"layer.{layer.index}.size",
            f"layer {layer.index} size",
            human_size(layer.tar_size),
            mask_secrets(layer.created_by)[:HISTORY_EXCERPT],
        )  # fmt: skip
        for layer in sorted(largest, key=lambda layer: layer.index)  # read in build order
        if layer.tar_size
    ]
    return facts


def _inside_unknowns(ctx: Context) -> Iterable[Unanswered]:
    if ctx.inventory.distro is None:
        yield Unanswered("distro", "distribution", "no os-release or release file found")
    if ctx.image.layers and not any(layer.tar_size for layer in ctx.image.layers):
        yield Unanswered("layer.size", "layer sizes", "the source did not record layer sizes")
    if ctx.inventory.warnings:
        count = len(ctx.inventory.warnings)
        yield Unanswered("warnings", "unread files", f"{count} files could not be read exactly")


def _type_evidence(package_type: str, packages: Sequence[Package]) -> str:
    """Type "runtime" mixes interpreters with libraries whose version a binary gave away
    (OpenSSL, BusyBox): name them, so the count is not read as the runtimes'."""
    if package_type != "runtime":
        return ""
    found = [f"{p.name} {p.version}" for p in packages if p.type == package_type]
    more = f", +{len(found) - NAMED_PACKAGES} more" if len(found) > NAMED_PACKAGES else ""
    return "versions read from binaries: " + ", ".join(found[:NAMED_PACKAGES]) + more


def _runtime_evidence(ref: RuntimeRef) -> str:
    where = ref.package.location.path or ref.package.name
    packaged = (
        f", packaged ({ref.package.owned_by or ref.package.type})" if ref.distro_packaged else ""
    )
    return f"{ref.package.type} {where}{packaged}"


def _runtime_list(refs: Sequence[RuntimeRef]) -> str:
    return f" ({', '.join(f'{r.name} {r.version}' for r in refs)})" if refs else ""
