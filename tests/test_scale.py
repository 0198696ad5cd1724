"""Nothing is quadratic: the work to read, compute and render a spec grows linearly with its
number of layers. Work is counted, not timed: Python line events (sys.settrace) and peak
traced memory, on generated deep stacks (bench/specgen.py) of N, 2N and 4N layers.

With counts linear in N plus a constant, the step from 2N to 4N is exactly twice the step from
N to 2N; a quadratic term makes it larger. The tolerance (1%) catches a quadratic term that
would only equal the linear one at about 100,000 layers.
"""

from __future__ import annotations

import importlib.util
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from convcalc.analysis.check import expectation_problems
from convcalc.analysis.costs import costs
from convcalc.analysis.receptive import receptive_fields
from convcalc.engine import run
from convcalc.render import summary_table
from convcalc.render.json import render_json
from convcalc.spec import calls
from convcalc.spec.loading import _check_aliases, load_text

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.util.spec_from_file_location("specgen", ROOT / "bench" / "specgen.py")
assert _loader and _loader.loader
specgen = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(specgen)


def line_events(action: Callable[[], Any]) -> int:
    """How many Python lines `action` executes (all code it reaches, libraries included)."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        action()
    finally:
        sys.settrace(previous)
    return count


def pipeline(text: str, fmt: str) -> Callable[[], Any]:
    def action() -> None:
        calls.forget()  # each run starts cold, as a fresh process does
        report = run(load_text(text, "<scale>"))
        if fmt == "json":
            render_json(report, costs(report), receptive_fields(report))
        else:
            summary_table(report, "table" if fmt == "rich" else fmt, fmt == "rich")

    return action


def assert_linear(counts: list[int], what: str) -> None:
    small, middle, large = counts
    first, second = middle - small, large - middle
    assert first > 0, (what, counts)
    assert second <= 2 * first * 1.01, f"{what}: {counts} grows faster than linearly ({second / first:.3f} > 2)"


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
@pytest.mark.parametrize(("framework", "distinct"), [("keras", False), ("pytorch", False), ("keras", True)])
def test_reading_computing_and_rendering_are_linear(framework: str, distinct: bool, fmt: str) -> None:
    sizes = (100, 200, 400)
    pipeline(
        specgen.deep_stack(200, framework, distinct), fmt
    )()  # imports and first-use work, outside the counts (200: both call readers)
    counts = [line_events(pipeline(specgen.deep_stack(n, framework, distinct), fmt)) for n in sizes]
    assert_linear(counts, f"{framework}{' distinct' if distinct else ''} {fmt}")


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_wide_graph_with_long_skips_is_linear(fmt: str) -> None:
    """Branches merged by Add and skips reaching 50 layers back (bench/specgen.py's wide_graph):
    every name is distinct and every node names its inputs, so no cache or `the layer before` helps."""
    sizes = (100, 200, 400)
    pipeline(specgen.wide_graph(200), fmt)()
    counts = [line_events(pipeline(specgen.wide_graph(n, width=4, skip=50), fmt)) for n in sizes]
    assert_linear(counts, f"wide graph {fmt}")


def test_the_rich_table_is_linear() -> None:
    pytest.importorskip("rich")
    pipeline(specgen.deep_stack(8), "rich")()
    counts = [line_events(pipeline(specgen.deep_stack(n), "rich")) for n in (16, 32, 64)]
    assert_linear(counts, "rich table")


def test_the_resnet50_main_path_costs_what_its_layers_cost() -> None:
    """The benchmark's network: reading and computing it is a few hundred lines per layer."""
    text, _ = specgen.resnet50("keras")
    layers = text.count("\n  - ")
    pipeline(text, "json")()  # imports and first-use work (its layer types' modules), outside the count
    events = line_events(pipeline(text, "json"))
    assert events / layers < 2000, events / layers


@pytest.mark.parametrize("fault", ["unknown-type-last", "duplicate-name-last", "bad-argument-last"])
def test_an_error_at_the_end_costs_no_more_than_the_layers_before_it(fault: str) -> None:
    def spec(n: int) -> str:
        text = specgen.deep_stack(n)
        ending = {
            "unknown-type-last": "  - Conv2DD(16, 3)\n",
            "duplicate-name-last": '  - Dense(16, name="dense")\n  - Dense(16, name="dense")\n',
            "bad-argument-last": "  - Dense(16, unitz=3)\n",
        }[fault]
        return text + ending

    def action(text: str) -> Callable[[], Any]:
        def attempt() -> None:
            calls.forget()
            with pytest.raises(Exception, match="CC"):
                run(load_text(text, "<scale>"))

        return attempt

    action(spec(8))()
    assert_linear([line_events(action(spec(n))) for n in (100, 200, 400)], fault)


def test_expectations_are_linear() -> None:
    def action(n: int) -> Callable[[], Any]:
        text = specgen.deep_stack(n) + "expect:\n  params: 1\n  output_shape: [null, 8, 8, 16]\n  max_params: 1\n"
        spec = load_text(text, "<scale>")
        report = run(spec)
        return lambda: expectation_problems(spec, report)

    assert_linear([line_events(action(n)) for n in (200, 400, 800)], "expect")


def test_alias_checks_are_linear_in_distinct_nodes() -> None:
    """A chain of anchors, each holding the one before: the expanded size is quadratic in the
    chain's length (under the bound here), the check's work must stay linear."""
    import yaml

    def action(n: int) -> Callable[[], Any]:
        lines = ["input: [8, 8, 16]", "description:", "  a0: &a0 [Dense(16)]"]
        lines += [f"  a{i}: &a{i} [*a{i - 1}, Dense(16)]" for i in range(1, n)]
        root = yaml.compose("\n".join(lines) + "\nlayers: [Dense(16)]\n", Loader=yaml.SafeLoader)
        return lambda: _check_aliases(root, "<scale>")

    assert_linear([line_events(action(n)) for n in (200, 400, 800)], "alias check")


def test_memory_grows_linearly() -> None:
    """Peak traced memory of the whole pipeline for N and 4N layers: at most 4x plus slack for
    the allocator's rounding, far below the 16x of anything quadratic."""

    def peak(n: int) -> int:
        text = specgen.deep_stack(n, "keras", distinct=True)
        tracemalloc.start()
        try:
            pipeline(text, "json")()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(8)
    small, large = peak(400), peak(1600)
    assert large <= 4.4 * small, (small, large)


def test_memory_grows_linearly_on_the_wide_graph() -> None:
    """As above, on the wide graph with long skips: names and references must not pile up."""

    def peak(n: int) -> int:
        text = specgen.wide_graph(n, width=4, skip=50)
        tracemalloc.start()
        try:
            pipeline(text, "json")()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(8)
    small, large = peak(400), peak(1600)
    assert large <= 4.4 * small, (small, large)


def test_a_call_written_on_many_layers_is_looked_through_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The layers written with one call's text share its arguments (calls.parse_call remembers a
    call): the graph looks for arithmetic in them once per distinct call, not once per layer."""
    from convcalc import graph

    looked: list[object] = []
    original = graph._names

    def counting(value: object, found: set[str]) -> bool:
        looked.append(value)
        return original(value, found)

    monkeypatch.setattr(graph, "_names", counting)

    def looks(n: int) -> int:
        looked.clear()
        calls.forget()  # read by ast, as the first calls of a process are: not marked plain at reading
        run(load_text(specgen.deep_stack(n), "<scale>"))
        return len(looked)

    assert 0 < looks(100) == looks(400)
