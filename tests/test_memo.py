"""The memos change no result: every bundled spec, test spec and generated spec computes and
renders the same with them as without (calls read by `ast` one by one, each block template's
arithmetic and each layer's binding worked out afresh); and each memo does its work once per
distinct thing, counted."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from convcalc import engine
from convcalc.analysis import costs as costs_module
from convcalc.analysis import receptive
from convcalc.analysis.check import check_path
from convcalc.analysis.costs import costs
from convcalc.analysis.receptive import receptive_fields
from convcalc.errors import SpecError
from convcalc.frameworks.base import Positions
from convcalc.graph import _Arithmetic, _Builder
from convcalc.render import json as json_module
from convcalc.render.json import render_json
from convcalc.spec import calls
from convcalc.spec.expr import Function
from convcalc.spec.loading import load_text

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.util.spec_from_file_location("specgen", ROOT / "bench" / "specgen.py")
assert _loader and _loader.loader
specgen = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(specgen)

SPECS = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "tests" / "specs").glob("*/*.yaml"))
GENERATED = {
    "deep keras": specgen.deep_stack(300, "keras"),
    "deep pytorch": specgen.deep_stack(300, "pytorch"),
    "distinct keras": specgen.deep_stack(300, "keras", distinct=True),
    "wide graph": specgen.wide_graph(300, width=4, skip=50),
    "resnet50 main path": specgen.resnet50("keras")[0],
}


def outputs(path: str, text: str) -> tuple[object, ...]:
    """What convcalc makes of a spec: check's problems and status, and the JSON document."""
    calls.forget()
    problems, status = check_path(path) if path else ([], 0)
    try:
        report = engine.run(load_text(text, path or "<generated>"))
        document = render_json(report, costs(report), receptive_fields(report))
    except SpecError as exc:  # an error is an output too
        document = str(exc.diagnostic)
    return [str(p) for p in problems], status, document


def read_by_ast(text: str) -> calls.Call:
    """Every call read by `ast`, the authority, nothing remembered."""
    return calls._parse_with_ast(text)


read_by_ast.cache_clear = lambda: None  # type: ignore[attr-defined]  # what forget() calls


def read_layer_by_ast(text: str) -> tuple[calls.Call, None]:
    return read_by_ast(text), None


read_layer_by_ast.cache_clear = lambda: None  # type: ignore[attr-defined]


@pytest.fixture
def unmemoized(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(engine, "MEMO", False)
    monkeypatch.setattr(_Arithmetic, "memo", False)
    monkeypatch.setattr(_Builder, "replay", False)
    monkeypatch.setattr(Function, "memo", False)
    monkeypatch.setattr(calls, "_parse_call", read_by_ast)
    monkeypatch.setattr(calls, "_layer_call", read_layer_by_ast)
    for module in (receptive, costs_module, json_module):
        monkeypatch.setattr(module, "MEMO", False)
    yield
    calls.forget()


def both_ways(path: str, text: str, request: pytest.FixtureRequest) -> tuple[object, object]:
    memoized = outputs(path, text)
    request.getfixturevalue("unmemoized")
    return memoized, outputs(path, text)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_memos_change_nothing_on_a_spec(path: Path, request: pytest.FixtureRequest) -> None:
    memoized, afresh = both_ways(str(path), path.read_text(), request)
    assert memoized == afresh


@pytest.mark.parametrize("name", GENERATED)
def test_memos_change_nothing_on_a_generated_spec(name: str, request: pytest.FixtureRequest) -> None:
    memoized, afresh = both_ways("", GENERATED[name], request)
    assert memoized == afresh


def test_calls_that_differ_only_in_their_strings_are_read_once() -> None:
    """A generated network's calls differ in their names and inputs only: one skeleton each."""
    calls.forget()
    texts = [f'Conv2D(16, 3, padding="same", name="n{i}", inputs=["n{i - 1}", "x{i}"])' for i in range(1, 200)]
    for text in texts:
        assert calls.plain_call(text) == calls._parse_with_ast(text)
    assert calls._skeleton.cache_info().misses == 1


def read_split_and_whole(text: str, path: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """A spec read with its calls' graph keywords split from the rest (every skeleton met, as a
    second read meets them), and read without that path, each as its repr (an Expr equals only
    itself, and a block's mapping is read afresh each time); an error is a result too."""
    from convcalc.spec import reader

    def read() -> object:
        try:
            return repr(load_text(text, path))
        except SpecError as exc:
            return str(exc.diagnostic)

    calls.forget()
    read()
    split = read()
    monkeypatch.setattr(reader, "layer_call", lambda text: (calls.parse_call(text), None))
    return split, read()


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_calls_split_from_their_graph_keywords_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    split, whole = read_split_and_whole(path.read_text(), str(path), monkeypatch)
    assert split == whole


@pytest.mark.parametrize("name", GENERATED)
def test_generated_calls_split_from_their_graph_keywords_read_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    split, whole = read_split_and_whole(GENERATED[name], "<generated>", monkeypatch)
    assert split == whole


def test_the_wide_graph_fills_each_call_once_and_is_computed_without_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wide graph's calls differ in their names and inputs alone: the rest of each is filled
    once per distinct lengths of its strings and its objects shared, so the engine finds those
    layers by identity, writing no repr key for them (but for the first ones, read by ast)."""
    filled: list[object] = []
    original = calls._filled
    monkeypatch.setattr(calls, "_filled", lambda read, pieces: filled.append(pieces) or original(read, pieces))
    keyed: list[object] = []
    monkeypatch.setattr(engine, "repr", lambda value: keyed.append(value) or repr(value), raising=False)
    calls.forget()
    report = engine.run(load_text(GENERATED["wide graph"], "<generated>"))
    assert len(report.rows) == 300
    # names of 2, 3 and 4 characters: the columns after them move, so a few fills in all
    lengths = {tuple(map(len, re.findall(r'"([^"]*)"', text))) for text in re.findall(r"Conv2D\(.*\)", GENERATED["wide graph"])}
    assert len(filled) <= 1 + len(lengths) < 10
    mappings = GENERATED["wide graph"].count("- {")  # read afresh: each layer's own arguments
    assert len(keyed) // 2 <= calls.READ_BY_AST_FIRST + 1 + len(lengths) + mappings < len(report.rows) / 2


def test_a_builder_block_works_out_its_arguments_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """keras-resnet50's residual blocks name every layer from the instance's name: the names are
    worked out per instance, the rest of each layer once for each distinct set of values it
    reads (37 times here, where working out every layer afresh is 204)."""
    from convcalc import graph

    worked: list[bool] = []
    original = graph._evaluated

    def counted(*args: object, **kwargs: object) -> object:
        worked.append(bool(kwargs.get("name", True)))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(graph, "_evaluated", counted)
    text = (ROOT / "specs" / "keras-resnet50.yaml").read_text()
    assert len(engine.run(load_text(text, "keras-resnet50.yaml")).rows) == 176
    memoized = list(worked)
    worked.clear()
    monkeypatch.setattr(_Arithmetic, "memo", False)
    engine.run(load_text(text, "keras-resnet50.yaml"))
    assert not any(memoized)  # never the name with the rest
    assert len(worked) > 5 * len(memoized)


def test_layers_sharing_their_arguments_are_found_without_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The layers of a block's instances share their arguments' objects: the engine finds them by
    identity, and writes the repr key only for the others (60 of keras-resnet50's 176 layers)."""
    keyed: list[object] = []

    def counted(value: object) -> str:
        keyed.append(value)
        return repr(value)

    monkeypatch.setattr(engine, "repr", counted, raising=False)
    text = (ROOT / "specs" / "keras-resnet50.yaml").read_text()
    assert len(engine.run(load_text(text, "keras-resnet50.yaml")).rows) == 176
    assert len(keyed) // 2 <= 60


def test_block_arithmetic_is_compiled_once_and_evaluated_per_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """expr.compiled turns each expression into a closure once (each node of it once); the
    instances then only evaluate it: keras-resnet50's 16 residual blocks evaluate their
    arithmetic far more often than its nodes are compiled."""
    from convcalc.spec import expr

    compiled: list[object] = []
    evaluated: list[object] = []
    original_compiled, original_evaluate = expr.compiled, expr.Expr.evaluate

    def counted_compiled(node: object, text: str) -> expr.Code:
        compiled.append(node)
        return original_compiled(node, text)  # type: ignore[arg-type]

    def counted_evaluate(self: expr.Expr, env: dict[str, object]) -> object:
        evaluated.append(self)
        return original_evaluate(self, env)

    monkeypatch.setattr(expr, "compiled", counted_compiled)
    monkeypatch.setattr(expr.Expr, "evaluate", counted_evaluate)
    calls.forget()
    text = (ROOT / "specs" / "keras-resnet50.yaml").read_text()
    assert len(engine.run(load_text(text, "keras-resnet50.yaml")).rows) == 176
    assert len(set(map(id, compiled))) == len(compiled)  # no node compiled twice
    assert len(evaluated) > 4 * len(compiled)  # 316 evaluations, 70 nodes compiled


def test_an_expression_text_is_analysed_once_however_many_specs_write_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` reads every spec in one process, and the specs write the same arithmetic again
    and again (`filters`, `4 * filters`, `stride == 1`): each distinct text is compiled and has
    its names read once, whichever spec or call wrote it first."""
    from convcalc.spec import expr

    compiled: list[str] = []  # the text of each expression compiled (not of the parts inside it)
    read: list[object] = []  # each tree whose names were read
    evaluated: dict[int, str] = {}  # each Expr evaluated: its text
    original_compiled, original_variables, original_evaluate = expr.compiled, expr._variables, expr.Expr.evaluate
    depth = [0]

    def counted_compiled(node: ast.expr, text: str) -> expr.Code:
        if not depth[0]:
            compiled.append(text)
        depth[0] += 1
        try:
            return original_compiled(node, text)
        finally:
            depth[0] -= 1

    def counted_variables(node: ast.AST) -> set[str]:
        read.append(node)
        return original_variables(node)

    def counted_evaluate(self: expr.Expr, env: dict[str, object]) -> object:
        evaluated[id(self)] = self.text
        return original_evaluate(self, env)

    monkeypatch.setattr(expr, "compiled", counted_compiled)
    monkeypatch.setattr(expr, "_variables", counted_variables)
    monkeypatch.setattr(expr.Expr, "evaluate", counted_evaluate)
    calls.forget()
    specs = []  # held: the ids of their expressions stay theirs
    for name in ("keras-resnet50", "keras-resnet50v2", "keras-densenet121", "keras-inceptionv3", "pytorch-resnet50"):
        specs.append(load_text((ROOT / "specs" / f"{name}.yaml").read_text(), f"{name}.yaml"))  # specs without helpers
        engine.run(specs[-1])
    assert len(compiled) == len(set(compiled))  # each text once
    assert len(evaluated) > 1.5 * len(compiled)  # 128 expressions evaluated, 62 texts compiled
    assert len(read) == len({id(node) for node in read}) < len(evaluated)
    calls.forget()


def test_a_helper_is_called_once_for_each_distinct_call_from_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """keras-efficientnetb0's blocks ask its helpers the same again and again (`correct_pad`,
    `round_filters` of the same width): each distinct call is worked out once."""
    made: list[tuple[str, str]] = []
    original = Function.call

    def counted(self: Function, args: tuple[object, ...], kwargs: dict[str, object], functions: object, depth: int) -> object:
        if depth == 0:
            made.append((self.name, repr((args, kwargs))))
        return original(self, args, kwargs, functions, depth)  # type: ignore[arg-type]

    monkeypatch.setattr(Function, "call", counted)
    text = (ROOT / "specs" / "keras-efficientnetb0.yaml").read_text()
    assert len(engine.run(load_text(text, "keras-efficientnetb0.yaml")).rows) == 239
    kept = list(made)
    made.clear()
    monkeypatch.setattr(Function, "memo", False)
    engine.run(load_text(text, "keras-efficientnetb0.yaml"))
    assert len(kept) == len(set(kept)) == len(set(made))
    assert len(made) > 3 * len(kept)  # 76 calls, 24 distinct


def test_parallel_branches_step_their_field_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wide graph's four branches apply one window to one field: one step for them all, so
    the receptive fields make one Field per distinct (input, window) and not one per layer."""
    report = engine.run(load_text(specgen.wide_graph(300, width=4, skip=50), "<wide>"))
    stepped: list[object] = []
    original = receptive.step

    def counted(field: receptive.Field, window: object) -> receptive.Field:
        stepped.append(window)
        return original(field, window)  # type: ignore[arg-type]

    monkeypatch.setattr(receptive, "step", counted)
    receptive_fields(report)
    windowed = [row for row in report.rows if row.layer_type is not None and row.layer_type.moves is Positions.WINDOW]
    assert len(stepped) == len({(row.inputs, id(row.arguments)) for row in windowed}) < len(windowed) / 3


def test_costs_and_the_json_writer_work_out_each_shared_part_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deep stack repeats four layer definitions: four shares of each kind, and one field text
    per distinct receptive field."""
    report = engine.run(load_text(specgen.deep_stack(300, "keras"), "<deep>"))
    shares: list[object] = []
    original_share = costs_module.share
    monkeypatch.setattr(costs_module, "share", lambda part, whole: shares.append(part) or original_share(part, whole))
    cost = costs(report)
    assert len(shares) == len({row.params for row in report.rows}) + len({layer.macs for layer in cost.layers}) <= 8
    fields = receptive_fields(report)
    laid_out: list[object] = []
    original_field = json_module._LayerWriter.aligned
    monkeypatch.setattr(json_module._LayerWriter, "aligned", lambda self, f: laid_out.append(f) or original_field(self, f))
    render_json(report, cost, fields)
    assert len(laid_out) == len({id(f.field) for f in fields if f.field is not None})


def test_the_json_writer_lays_out_each_block_path_and_field_figure_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """ResNet-50's 176 rows sit in 17 block instances, each holding one tuple of paths: each is
    laid out once; and each distinct tuple of a field's figures (size, stride...) is written once."""
    report = engine.run(load_text((ROOT / "specs" / "keras-resnet50.yaml").read_text(), "resnet50"))
    cost, fields = costs(report), receptive_fields(report)
    paths = {tuple(path for path, _ in row.blocks) for row in report.rows}
    laid_out: list[tuple[object, ...]] = []
    original_value = json_module._LayerWriter.value
    monkeypatch.setattr(json_module._LayerWriter, "value", lambda self, v: laid_out.append(v) or original_value(self, v))
    written: list[tuple[object, ...]] = []
    original_ints = json_module._ints
    monkeypatch.setattr(json_module, "_ints", lambda values: written.append(values) or original_ints(values))
    render_json(report, cost, fields)
    blocks = [value for value in laid_out if value in paths]
    assert len(blocks) == len({id(row.blocks) for row in report.rows}) < len(report.rows) / 10
    figures = [(f.size, f.stride, f.padding, f.axes) for f in {id(f.field): f.field for f in fields if f.field}.values()]
    distinct = {values for four in figures for values in four}
    assert len([values for values in written if values in distinct]) == len(distinct) < 4 * len(figures) / 5


def replays(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each block instance replayed from a recording, with how many nodes it made."""
    made: list[tuple[str, int]] = []
    original = _Builder.replayed

    def counted(self: _Builder, kept: object, path: str, *args: object) -> object:
        output = original(self, kept, path, *args)  # type: ignore[arg-type]
        if output is not None:
            made.append((path, len(kept.plan)))  # type: ignore[attr-defined]
        return output

    monkeypatch.setattr(_Builder, "replayed", counted)
    return made


@pytest.mark.parametrize(("name", "computed", "replayed"), [("bert-base", 29, [10] * 10), ("llama-2-7b", 90, [39] * 30)])
def test_a_block_repeated_alike_is_recorded_once_and_replayed_after(
    name: str, computed: int, replayed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """bert-base's twelve encoder layers are alike (llama-2-7b's 32 decoder layers too): the
    first is expanded, the second recorded as it expands, and the others are replayed, their
    nodes named under their own paths with nothing worked out again; without replays, none."""
    made = replays(monkeypatch)
    text = (ROOT / "specs" / f"{name}.yaml").read_text()
    rows = engine.run(load_text(text, f"{name}.yaml")).rows
    assert [count for _, count in made] == replayed
    assert len(rows) - sum(replayed) == computed
    made.clear()
    monkeypatch.setattr(_Builder, "replay", False)
    assert engine.run(load_text(text, f"{name}.yaml")).rows == rows
    assert made == []


REPLAYS = """\
framework: pytorch
input: [8]
blocks:
  layer:                   # alike in every copy: the third and fourth are replayed
    params: {width: 8}
    layers:
      - Linear(width, width, name="fc")
      - Add(inputs=["stack.block1.fc", fc])   # a full name: the first copy's own layer, the others' earlier one
      - ReLU()
  skipper:                 # takes a name it is given, looked up where it is called: never replayed
    params: [skip]
    layers:
      - Linear(8, 8)
      - Add(inputs=[skip, -1])
  dropped:                 # reads `copy`: its copies differ, and are never replayed
    layers:
      - Dropout(0.1 * copy)
  outer:                   # a block around one: its third copy replayed with the instances inside
    layers:
      - layer(repeat=2, name="inner")
      - type: Sequential
        name: seq
        layers: [ReLU, "Linear(8, 8)"]
layers:
  - Linear(8, 8, name="first")
  - layer(repeat=4, name="stack")
  - skipper(first, repeat=4, name="skips")
  - dropped(repeat=4, name="drops")
  - outer(repeat=3, name="outers")
"""


def test_a_replay_makes_what_expanding_afresh_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every node (its name, layer, inputs, blocks), every block instance and every row of a
    replayed copy is what expanding it would make: references by full name find what they found,
    and copies that read `copy` or names outside them are expanded afresh."""
    made = replays(monkeypatch)
    report, graph = engine.computed(load_text(REPLAYS, "<replays>"))
    # inside the second `outer`, being recorded, its second `inner` replays the first (met for the second time)
    assert [path for path, _ in made] == ["stack.block3", "stack.block4", "outers.block2.inner.block2", "outers.block3"]
    monkeypatch.setattr(_Builder, "replay", False)
    afresh, expanded = engine.computed(load_text(REPLAYS, "<replays>"))
    assert graph.nodes == expanded.nodes
    assert graph.instances == expanded.instances
    assert [row.fields() for row in report.rows] == [row.fields() for row in afresh.rows]


def test_generated_names_reach_no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wide graph names its layers n0, n1...: each name, though it starts as `null` does, is
    text at once (spec/loading.py), and only the few texts that may be numbers or words reach
    PyYAML's resolver, each once."""
    import yaml

    from convcalc.spec.loading import _loader_class

    resolved: list[object] = []
    original = yaml.resolver.BaseResolver.resolve

    def counted(self: object, kind: object, value: object, implicit: object) -> object:
        resolved.append(value)
        return original(self, kind, value, implicit)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml.resolver.BaseResolver, "resolve", counted)
    text = GENERATED["wide graph"]
    yaml.compose(text, Loader=_loader_class())
    assert text.count(" n") > 300
    assert not [value for value in resolved if isinstance(value, str) and value.startswith("n")]
    assert len(resolved) == len(set(resolved)) < 10
