"""The CycloneDX reporter scales with the package count (no timed asserts: counted work).

cyclonedx-python-lib's `Bom.register_dependency` scans every registered dependency per
call, and `Bom.validate()` (run by every serialisation) calls it once per component:
about n**2 / 2 bom-ref comparisons, minutes for 20,000 packages. dockwise replaces it on
its Bom with a dict lookup; what remains is the library's sorting, n log n comparisons.
bench/cyclonedx_bench.py has the timings.
"""

import dataclasses
import json

import pytest
from cyclonedx.model.bom_ref import BomRef

from dockwise.report.cyclonedx import CycloneDxJsonReporter, build_bom
from tests.report.conftest import BASE, _deb

PACKAGES = 5_000
# n log2 n is about 12 n here and the library's sorts compare a few times per step;
# the quadratic scan needs about n / 2 = 2,500 comparisons per package.
PER_PACKAGE = 60


class TooManyComparisons(AssertionError):
    pass


@pytest.fixture
def count_bomref_eq(monkeypatch: pytest.MonkeyPatch):
    """Count BomRef.__eq__ calls; stop the run as soon as the budget is spent, so that a
    regression fails in a second instead of running for minutes."""
    original = BomRef.__eq__
    state = {"calls": 0, "budget": 0}

    def counting_eq(self: BomRef, other: object) -> bool:
        state["calls"] += 1
        if state["calls"] > state["budget"]:
            raise TooManyComparisons(f"more than {state['budget']} bom-ref comparisons")
        return original(self, other)

    monkeypatch.setattr(BomRef, "__eq__", counting_eq)
    return state


def _many(result, n: int):
    packages = tuple(_deb(f"pkg{i:05d}", f"1.{i}-1", BASE) for i in range(n))
    inventory = dataclasses.replace(result.inventory, packages=packages)
    return dataclasses.replace(result, inventory=inventory)


def test_validate_is_not_quadratic(result, count_bomref_eq):
    big = _many(result, PACKAGES)
    count_bomref_eq["budget"] = PER_PACKAGE * PACKAGES
    bom = build_bom(big)
    assert bom.validate()
    assert count_bomref_eq["calls"] <= PER_PACKAGE * PACKAGES


def test_dependency_graph_is_unchanged(result):
    """The image depends on every component, each component on nothing, as before."""
    big = _many(result, 300)
    doc = json.loads(CycloneDxJsonReporter().render(big))
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    refs = [c["bom-ref"] for c in doc["components"]]
    assert sorted(deps["dockwise:image"]) == sorted(refs)
    assert all(deps[ref] == [] for ref in refs)
    assert len(deps) == len(refs) + 1


def test_registering_again_adds_to_the_known_dependency(result):
    bom = build_bom(result)
    image = bom.metadata.component
    first = next(iter(bom.components))
    bom.register_dependency(first, [image])
    bom.register_dependency(first, [image])
    mine = [d for d in bom.dependencies if d.ref == first.bom_ref]
    assert len(mine) == 1
    assert [d.ref for d in mine[0].dependencies] == [image.bom_ref]
