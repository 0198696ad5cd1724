"""The shape of the code, checked: data flows one way between convcalc's modules (no import cycle,
counting imports inside functions), renderers compute nothing and analyses import no renderer,
and every layer type answers what each analysis asks of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from convcalc.analysis.explain import EXPLAINERS
from convcalc.analysis.receptive import STOPS
from convcalc.analysis.solve.length import FAMILIES as SOLVED
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import Family, LayerType, Positions

PACKAGE = Path(__file__).resolve().parent.parent / "convcalc"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The convcalc modules `path` imports, anywhere in it but under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports(path, set(paths)) - {name} for name, path in paths.items()}


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (its modules in order), or [] when there is none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[name] = 2
        return []

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back() -> None:
    graph = import_graph()
    assert len(graph) > 40
    assert cycle(graph) == [], " -> ".join(cycle(graph))


def test_analyses_import_no_renderer_and_renderers_run_no_analysis() -> None:
    """Analyses return data; renderers format what they are handed (they may name the analyses'
    record types, but never call an analysis)."""
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("convcalc.analysis"):
            assert not {t for t in targets if t.startswith("convcalc.render")}, name
    for path in (PACKAGE / "render").rglob("*.py"):
        tree = ast.parse(path.read_text())
        called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert not called & {"costs", "receptive_fields", "explain", "diff", "solve_layer", "solve_length", "run"}, path


TYPES = [(framework, t) for framework in ("keras", "pytorch") for t in vocabulary(framework).types.values()]


@pytest.mark.parametrize(("framework", "layer_type"), TYPES, ids=[f"{f}-{t.name}" for f, t in TYPES])
def test_every_layer_type_answers_every_analysis(framework: str, layer_type: LayerType) -> None:
    """Each registered type has a family, a MACs rule, a way of moving positions that receptive
    fields know, the reader that way needs, and the facts explain and solve read for its family."""
    assert isinstance(layer_type.family, Family)
    assert callable(layer_type.counts)
    moves = layer_type.moves
    assert moves in STOPS or moves in (Positions.KEEP, Positions.WINDOW, Positions.AXES, Positions.MERGE)
    assert (layer_type.window is not None) == (moves is Positions.WINDOW), "a window exactly when it slides one"
    if moves is Positions.AXES:
        assert layer_type.axes is not None
    if layer_type.family is Family.CONCATENATE:
        assert layer_type.axes is not None, "receptive fields end where a concatenation joins a spatial axis"
    windowed = {Family.CONVOLUTION, Family.DEPTHWISE_CONVOLUTION, Family.SEPARABLE_CONVOLUTION, Family.TRANSPOSED_CONVOLUTION}
    windowed |= {Family.POOLING, Family.ADAPTIVE_POOLING, Family.PADDING}
    if layer_type.family in windowed and not (layer_type.own and layer_type.family is Family.PADDING):
        assert layer_type.rank in (1, 2, 3), "explain names its axes by rank"  # F.pad's is len(pad) / 2
    if layer_type.family in (Family.POOLING, Family.RECURRENT) or (layer_type.family is Family.PADDING and framework == "keras"):
        assert layer_type.variant, "explain words each variant of the family"
    if layer_type.family in SOLVED.values() and layer_type.terms is None:
        assert layer_type.variant == "lp", "only LPPool, which has no padding, is left out of solve"


def test_explain_words_or_leaves_generic_each_family() -> None:
    """A family is either worded by explain or deliberately left to the generic explanation."""
    generic = {
        Family.RESHAPE,
        Family.NORMALIZATION,
        Family.ELEMENTWISE,
        Family.DROPOUT,
        Family.DOT,
        Family.WRAPPER,
        Family.TRANSFORMER,
        Family.PARAMETER,  # no input: its shape is the tensor's, its weight that shape
        Family.BUFFER,  # no input, no weights: its shape is the tensor's
        Family.EINSUM,  # the equation says it: the generic words give the shapes in and out
        Family.REPETITION,  # each size times its repeat: the generic words give the shapes in and out
        Family.GIVEN_WEIGHTS,  # its weights are inputs, their shapes given: the generic words give the shapes in and out
    }
    assert set(EXPLAINERS) | generic == set(Family)
    assert not set(EXPLAINERS) & generic


@pytest.mark.parametrize(("framework", "layer_type"), TYPES, ids=[f"{f}-{t.name}" for f, t in TYPES])
def test_every_layer_type_can_be_exported(framework: str, layer_type: LayerType) -> None:
    """`export` writes a real class from its arguments and needs nothing; a convcalc stand-in for
    a framework function needs its template (LayerType.code), which may name only the layer, its
    inputs, `{more}` and the type's own arguments (as `{dim}`, `{+dim}`, `{(dim)}` or `{=dim}`)."""
    import re

    code = layer_type.code
    if layer_type.own:
        assert code is not None and code.call, "a stand-in says how it is written as code"
    if code is None:
        return
    arguments = {name for name, _ in layer_type.signature.positional + layer_type.signature.keyword_only}
    for template in (code.call, *(t for _, t in code.when)):
        for key in re.findall(r"\{([^{}]*)\}", template):
            name = key.strip("()").removeprefix("+").removeprefix("=")
            assert key in ("self", "more") or key.startswith("*") or key.isdigit() or name in arguments, key
    for key in re.findall(r"\{([^{}]*)\}", code.holds):
        assert key.removeprefix("+").removeprefix("=") in arguments, key
    assert {argument for argument, _ in code.when} <= arguments
    assert set(code.layers) | set(code.classes) <= arguments
    assert code.alone >= 1
