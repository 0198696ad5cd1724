"""Walks the graph's nodes through their framework's arithmetic and builds the Report.

Pure computation: it prints nothing and imports nothing heavy. The only place where a
LayerError (which knows no locations) becomes a located SpecError.
"""

from __future__ import annotations

import functools
from math import lcm
from typing import TYPE_CHECKING, cast

from convcalc.errors import Diagnostic, LayerError, SpecError
from convcalc.frameworks import vocabulary
from convcalc.frameworks.base import Family, LayerType, Vocabulary, snake_case
from convcalc.frameworks.mode import running
from convcalc.graph import AfterFailure, Graph, Node, Ref, build_graph
from convcalc.ops.layout import format_shape
from convcalc.ops.tensor import Built, Shape, Weight
from convcalc.record import Record
from convcalc.report import Endpoint, Report, Row
from convcalc.signature import Args
from convcalc.spec.first_layer import INPUT_TYPES
from convcalc.spec.model import MAX_DIM, MAX_RANK, Dim, Spec

if TYPE_CHECKING:
    from convcalc.symbolic.session import Path
    from convcalc.symbolic.size import Space


MEMO = True
"""Each distinct layer (type, arguments, input shapes) bound and built once; False builds every
node afresh (tests/test_memo.py compares both ways)."""


def run(spec: Spec) -> Report:
    """The report of a spec; the first problem met raises SpecError."""
    return computed(spec)[0]


def computed(spec: Spec) -> tuple[Report, Graph]:
    """The report and the expanded graph it was computed from (`export` writes code from both)."""
    outcome = _symbolic(spec, None) if spec.symbols else _run(spec, None)  # without problems to collect: a report, or a raise
    assert outcome.report is not None and outcome.graph is not None
    return outcome.report, outcome.graph


class Failure(Record):
    """A layer that failed by itself: its node, the shapes it was given, and the argument the
    problem is about (a keyword, or a position; "" for the layer as a whole)."""

    __slots__ = ("node", "shapes", "argument")

    node: Node
    shapes: tuple[Shape, ...]
    argument: int | str

    def __init__(self, node: Node, shapes: tuple[Shape, ...], argument: int | str = "") -> None:
        self.node = node
        self.shapes = shapes
        self.argument = argument


class Outcome(Record):
    """A run that goes on past problems (`run_all`): the report when every layer computed, the
    rows of the layers that did, the problems, and each layer that failed by itself with the
    shapes it was given (`solve` starts from them); and the graph when it was built."""

    __slots__ = ("report", "rows", "problems", "failed", "graph")

    report: Report | None
    rows: tuple[Row, ...]
    problems: tuple[Diagnostic, ...]
    failed: dict[str, Failure]  # by node name
    graph: Graph | None

    def __init__(
        self,
        report: Report | None,
        rows: tuple[Row, ...],
        problems: tuple[Diagnostic, ...] = (),
        failed: dict[str, Failure] | None = None,
        graph: Graph | None = None,
    ) -> None:
        self.report = report
        self.rows = rows
        self.problems = problems
        self.failed = {} if failed is None else failed
        self.graph = graph


def run_all(spec: Spec) -> Outcome:
    """Every problem of a spec that does not follow from an earlier one, as ruff reports them:
    a layer that fails leaves its output unknown, and the layers that take it (directly or
    through others) have only their arguments checked, which needs no shapes; a problem inside a
    block whose input is unknown is left out. Problems are sorted by where they are, one per spot."""
    problems: list[Diagnostic] = []
    try:
        outcome = _symbolic(spec, problems) if spec.symbols else _run(spec, problems)
    except AfterFailure:
        outcome = Outcome(None, ())
    except SpecError as exc:  # a problem of the graph itself (names, references, blocks): it ends the run
        problems.append(exc.diagnostic)
        outcome = Outcome(None, ())
    if not problems:
        return outcome
    unique = {(str(p.location), p.code): p for p in reversed(problems)}  # the first at each spot
    ordered = sorted(unique.values(), key=lambda p: (p.location.line, p.location.column))
    return Outcome(None, outcome.rows, tuple(ordered), outcome.failed)


def _run(spec: Spec, problems: list[Diagnostic] | None, space: Space | None = None) -> Outcome:
    """The work of run() and run_all(): `problems` is None to stop at the first, else where to
    collect them; `space` holds the symbols of a spec that has some (their sizes are formulas).
    The layers run in the spec's mode (`mode: eval`: as after model.eval())."""
    with running(spec.mode):
        return _walk(spec, problems, space)


def _walk(spec: Spec, problems: list[Diagnostic] | None, space: Space | None) -> Outcome:
    vocab = vocabulary(spec.framework)

    @functools.cache  # once per type name
    def auto_name(type_name: str) -> str:
        """Keras's automatic names (conv2d, batch_normalization); for PyTorch the class name in
        lower case (conv2d, batchnorm2d, prelu), as torch users write module names."""
        found = vocab.find(type_name)
        canonical = type_name if found is None else found.name
        return snake_case(canonical) if spec.framework == "keras" else canonical.lower()

    bounded = out_of_bounds if space is None else _symbolic_bounds
    inputs = {i.name: (spec.batch, *_dims(i.shape, space)) for i in spec.inputs}
    for item in spec.inputs:
        if problem := bounded(inputs[item.name], (), "input"):
            raise SpecError.at(item.location, "CC003", problem)
    outputs: dict[str, tuple[Shape, ...]] = {name: (shape,) for name, shape in inputs.items()}
    rows: list[Row] = []
    by_name: dict[str, Row] = {}
    # each distinct layer: its type, the type's name as shown, what it built, its bound arguments, its outputs
    Known = tuple[LayerType, str, Built, dict[str, object], tuple[Shape, ...]]
    done: dict[tuple[object, ...], Known] = {}
    by_identity: dict[tuple[object, ...], tuple[Known, object, object]] = {}
    failed: dict[str, Failure] = {}

    def visit(node: Node) -> tuple[Shape, ...]:
        """Compute one node as soon as the graph has it, so blocks can read their input's shape."""
        if problems is not None and (failed or node.shares is not None) and _blocked(node, outputs, by_name):
            problems.extend(_argument_problems(vocab, node))
            outputs[node.name] = ()  # unknown: what takes it is blocked too
            return ()
        layer_type = None
        shapes: tuple[Shape, ...] = ()
        refs = node.inputs
        try:
            try:  # each output asked for is there, but in a spec that asks for `lstm[5]` of two
                shapes = tuple([outputs[ref.node][ref.output] for ref in refs])
            except IndexError:
                shapes = tuple([_output(outputs, ref) for ref in refs])
            # A layer's arithmetic depends only on its type, its arguments and its input shapes:
            # a network repeats a few definitions many times, so each is bound and built once.
            # The key is the arguments' repr, which tells 1, 1.0 and True apart (== does not);
            # the layers of a block's instances share their arguments' very objects (graph's
            # _Arithmetic), which are found by identity first, without a repr.
            layer = node.layer
            sized = shapes if space is None else space.key(shapes)
            same = (layer.type, id(layer.args), id(layer.kwargs), sized)
            shared = by_identity.get(same) if MEMO else None
            known = None if shared is None else shared[0]
            if known is None:
                key = (layer.type, repr(layer.args), repr(layer.kwargs), sized)
                known = done.get(key) if MEMO else None
                if known is None:
                    layer_type = lookup(vocab, layer.type)
                    if space is not None:
                        space.layer = node.name
                    built, args = _build(layer_type, node, shapes, spec.framework)
                    if problem := bounded(built.output_shape, built.weights):
                        label = f"{node.name} ({layer_type.name})"
                        raise SpecError(Diagnostic(layer.location, "CC200", problem, layer=label, node=node.name))
                    known = done[key] = (layer_type, layer_type.reported, built, args.values, built.outputs)
                by_identity[same] = (known, layer.args, layer.kwargs)  # held: their ids stay theirs
        except (LayerError, SpecError) as exc:
            if isinstance(exc, LayerError):
                label = f"{node.name} ({node.layer.type if layer_type is None else layer_type.name})"
                if exc.code == "CC200" and not exc.hint:
                    exc.hint = _batch_written(spec, node)
                error = _located(exc, node, label, node_inputs(outputs, node), layer_type)
            else:
                error = exc
            if problems is None:
                raise error from None
            found = _argument_problems(vocab, node) if error.diagnostic.code in ("CC103", "CC104") else []
            problems.extend(found or [error.diagnostic])  # every bad argument of the layer, not only the first
            failed[node.name] = Failure(node, shapes, exc.argument if isinstance(exc, LayerError) else "")
            outputs[node.name] = ()
            return ()
        layer_type, reported, built, values, produced = known
        weights = built.weights
        if layer_type.source:  # a parameter tensor's one weight is named as the layer is (`class_token`)
            weights = tuple(w.replace(name=node.name.rpartition(".")[2]) for w in weights)
        if node.shares is not None:
            weights = _shared(weights, by_name[node.shares].weights)
        name = node.name
        row = Row(  # by position: a call with keywords costs more, once per node
            name,
            reported,
            built.output_shape,
            weights,
            layer.location,
            tuple([ref.node if not ref.output else str(ref) for ref in refs]),
            node.blocks,
            node.shares,
            built.extra_outputs,
            0,
            values,
            shapes,
            layer_type,
            node.written,
        )
        rows.append(row)
        by_name[name] = row
        outputs[name] = produced
        return produced

    def again(node: Node, like: str) -> tuple[Shape, ...]:
        """A node of a replayed block instance (graph._Recording): the same layer as `like` on
        inputs of the same shapes (sharing no weights), so its row is `like`'s under its own names."""
        row = by_name[like]
        inputs = tuple([ref.node if not ref.output else str(ref) for ref in node.inputs])
        made = Row(
            node.name,
            row.type,
            row.output_shape,
            row.weights,
            row.source,
            inputs,
            node.blocks,
            None,
            row.extra_outputs,
            arguments=row.arguments,
            input_shapes=row.input_shapes,
            layer_type=row.layer_type,
            spec=node.written,
        )
        rows.append(made)
        by_name[node.name] = made
        produced = outputs[node.name] = outputs[like]
        return produced

    @functools.cache  # once per type name
    def source(type_name: str) -> str:
        """What the type is when it takes no input ("a learned tensor"), else ""; unknown types
        are reported by visit."""
        found = vocab.find(type_name)
        if found is None or not found.source:
            return ""
        return "a learned tensor" if found.family is Family.PARAMETER else "a constant tensor"

    try:
        graph = build_graph(spec, auto_name, visit, source, inputs, again)
        if not problems:
            for ref, (_, where) in zip(graph.outputs, spec.outputs):
                if ref.output >= len(outputs[ref.node]):  # `outputs: [lstm[5]]`
                    message = f"{ref.node!r} has {len(outputs[ref.node])} output(s); there is no {ref}"
                    raise SpecError.at(where, "CC003", message)
    except SpecError as exc:
        if problems is None or isinstance(exc, AfterFailure):
            raise
        problems.append(exc.diagnostic)
        return Outcome(None, tuple(rows), (), failed)
    if problems:
        return Outcome(None, tuple(rows), (), failed)
    report_outputs = tuple(Endpoint(str(ref), outputs[ref.node][ref.output]) for ref in graph.outputs)
    endpoints = tuple(Endpoint(name, shape) for name, shape in inputs.items())
    report = Report(spec.name, spec.framework, endpoints, tuple(rows), report_outputs, not graph.sequential, spec=spec)
    return Outcome(report, report.rows, graph=graph)


def _dims(dims: tuple[Dim, ...], space: Space | None) -> tuple[int | None, ...]:
    """An input's sizes, each symbol's (`H`) as its Size in the run's space."""
    if space is None:
        return cast(tuple[int | None, ...], dims)
    return tuple(cast(int, space.symbol(d)) if isinstance(d, str) else d for d in dims)


def _symbolic(spec: Spec, problems: list[Diagnostic] | None) -> Outcome:
    """A spec whose input sizes are symbols (`input: [H, W, 3]`): run at a hint the spec's
    assumptions allow and the network accepts, every size a formula and every comparison a
    guard; then the sizes the network accepts (convcalc.symbolic.domain), which a Symbolic on the
    report holds. When no hint the spec allows is accepted, the failure at the first is the error
    (collected with the rest when `problems` collects them)."""
    from convcalc.symbolic.domain import explore
    from convcalc.symbolic.session import candidates, make_space, stated

    assumed = stated(spec.assume)
    tried = list(candidates(spec.symbols, assumed))
    failure: SpecError | None = None
    for hints in tried:
        outcome = _accepted(spec, hints)
        if isinstance(outcome, Outcome):
            return outcome
        failure, depends = failure or outcome[0], outcome[1]
        if not depends:  # it fails whatever the sizes: no other hint will do
            break
    else:
        if tried:  # every hint failed: the smallest accepted size, if any, is the hint
            first = path_at(spec, tried[0])
            for point in _meeting(first, tried[0]):  # an equation the hint missed (H*W == 784)
                found = _accepted(spec, point)
                if isinstance(found, Outcome) and all(c.holds(point) for c in assumed):
                    return found
            domain = explore(spec.symbols, functools.partial(path_at, spec), first)
            if domain.smallest is not None and all(c.holds(domain.smallest) for c in assumed):
                found = _accepted(spec, domain.smallest)
                if isinstance(found, Outcome):
                    return found
            elif domain.proven and failure is not None and not failure.diagnostic.hint:
                failure.diagnostic.hint = f"no input size is accepted ({', '.join(spec.symbols)})"
    if problems is None:
        assert failure is not None, "a spec has at least one hint to try"
        raise failure
    hints = tried[0] if tried else dict.fromkeys(spec.symbols, 1)
    return _run(spec, problems, make_space(hints, assumed))


def _meeting(path: Path, hints: dict[str, int]) -> list[dict[str, int]]:
    """Sizes that meet the equation a failed run's last guard denies (`H*W != 784`): the first
    with all symbols alike, else the smallest (convcalc.symbolic.domain.solutions)."""
    from convcalc.symbolic.domain import solutions

    if path.accepted or not path.guards or path.guards[-1].op != "!=":
        return []
    made = path.guards[-1].negated()
    found = solutions(made, {s: v for s, v in hints.items() if s not in made.symbols()}) or []
    return sorted(found, key=lambda v: (len(set(v.values())) > 1, max(v.values())))[:1]


def _accepted(spec: Spec, hints: dict[str, int]) -> Outcome | tuple[SpecError, bool]:
    """The run at `hints` with its Symbolic (guards, accepted sizes) on the report; or the
    failure, and whether it depends on the sizes (a guard was taken)."""
    from convcalc.symbolic.domain import explore, unexplored
    from convcalc.symbolic.session import Symbolic, facts, make_space, stated

    assumed = stated(spec.assume)
    space = make_space(hints, assumed)
    try:
        outcome = _run(spec, None, space)
    except SpecError as exc:
        return exc, bool(space.guards)
    assert outcome.report is not None
    found = path_at(spec, hints)  # without the assumptions' bounds: the network's own conditions
    if any(g.specialized for g in space.guards):  # a size an int had to be: the formulas hold at the hint only
        domain = unexplored(spec.symbols, found)
    else:
        domain = explore(spec.symbols, functools.partial(path_at, spec), found)
    assumed_facts = facts(assumed)
    space.facts = {s: lcm(domain.facts.get(s, 1), assumed_facts.get(s, 1)) for s in {*domain.facts, *assumed_facts}}
    space.closed = True
    rejected = None
    if domain.rejected is not None:  # why a size fails, in numbers: the concrete run at it
        rejected = (domain.rejected.values, _failure(spec, domain.rejected.values))
    symbolic = Symbolic(spec.symbols, space, tuple(space.guards), spec.assume, domain, rejected)
    report = outcome.report.replace(symbolic=symbolic)
    return Outcome(report, report.rows, graph=outcome.graph)


def _failure(spec: Spec, values: dict[str, int]) -> Diagnostic | None:
    """The first problem of the spec at these sizes (None if it computes)."""
    from convcalc.spec.setting import with_values

    try:
        run(with_values(spec.replace(assume=()), values))
    except SpecError as exc:
        return exc.diagnostic
    return None


def path_at(spec: Spec, values: dict[str, int]) -> Path:
    """The run of a spec with symbols at given sizes: the guards it took, and its first problem."""
    from convcalc.symbolic.session import Path
    from convcalc.symbolic.size import Space

    space = Space(values)
    try:
        _run(spec, None, space)
    except SpecError as exc:
        return Path(values, tuple(g.condition for g in space.guards), exc.diagnostic)
    return Path(values, tuple(g.condition for g in space.guards))


def _symbolic_bounds(shape: Shape, weights: tuple[Weight, ...], what: str = "output") -> str:
    """out_of_bounds for the sizes that are numbers (a formula has no one size to bound)."""
    known = tuple(d if type(d) is int else None for d in shape)
    kept = tuple(w for w in weights if all(type(d) is int for d in w.shape))
    return out_of_bounds(known, kept, what)


def _blocked(node: Node, outputs: dict[str, tuple[Shape, ...]], by_name: dict[str, Row]) -> bool:
    """Whether a node takes (or shares the weights of) a layer that failed: its shapes are unknown."""
    if node.shares is not None and node.shares not in by_name:
        return True
    return any([not outputs.get(ref.node, True) for ref in node.inputs])  # a list: quicker than a generator for 1-2 inputs


def _argument_problems(vocab: Vocabulary, node: Node) -> list[Diagnostic]:
    """What is wrong with a layer's arguments whatever its input: its type, every keyword it does
    not take, too many or missing arguments (Signature.problems)."""
    layer = node.layer
    try:
        layer_type = lookup(vocab, layer.type)
    except LayerError as exc:
        return [_located(exc, node, f"{node.name} ({layer.type})", "", None).diagnostic]
    label = f"{node.name} ({layer_type.name})"
    return [
        _located(exc, node, label, "", layer_type).diagnostic
        for exc in layer_type.signature.problems(layer.type, layer.args, layer.kwargs)
    ]


def lookup(vocab: Vocabulary, name: str) -> LayerType:
    """The layer type; the other framework's vocabulary is loaded only to explain an unknown name."""
    try:
        return vocab.lookup(name)
    except LayerError:
        if vocab.framework == "keras" and name in INPUT_TYPES:
            raise LayerError(
                f"{name}(...) stands for the network's input: only the first layer of a spec may be one",
                hint="name several inputs under `inputs:` and take them with `inputs=`",
                code="CC003",
            ) from None
        return vocab.lookup(name, vocabulary("keras" if vocab.framework == "pytorch" else "pytorch"))


def out_of_bounds(shape: Shape, weights: tuple[Weight, ...], what: str = "output") -> str:
    """What exceeds convcalc's bounds (spec.MAX_DIM elements per dimension, spec.MAX_RANK
    dimensions), or "". Ints stay exact at any size, but a size past the bound is a mistake,
    and one left to grow over thousands of layers would take minutes of arithmetic."""
    bound = "convcalc's bound of 2**40 elements per dimension"
    if len(shape) > MAX_RANK + 1:
        return f"the {what} has {len(shape):,} dimensions, more than convcalc's bound of {MAX_RANK}"
    for dim in shape:
        if dim is not None and dim > MAX_DIM:
            return f"the {what} shape {format_shape(shape)} is over {bound}"
    for weight in weights:
        for dim in weight.shape:
            if dim > MAX_DIM:
                return f"the weight {weight.name} {format_shape(weight.shape)} is over {bound}"
    return ""


def _build(layer_type: LayerType, node: Node, shapes: tuple[Shape, ...], framework: str) -> tuple[Built, Args]:
    args = layer_type.signature.bind(node.layer.type, node.layer.args, node.layer.kwargs)
    if layer_type.merges or layer_type.source:  # a source's shapes are (): it takes no input
        built = layer_type.build(args, shapes)
    elif len(shapes) != 1:
        raise LayerError(f"{layer_type.name} takes one input, found {len(shapes)}", argument="inputs", code="CC200")
    else:
        built = layer_type.build(args, shapes[0])
    if framework == "keras" and not args.bool("trainable", default=True):
        built = built.replace(weights=tuple(w.replace(trainable=False) for w in built.weights))
    return built, args


def _output(outputs: dict[str, tuple[Shape, ...]], ref: Ref) -> Shape:
    produced = outputs[ref.node]
    if ref.output >= len(produced):
        raise LayerError(f"{ref.node!r} has {len(produced)} output(s); there is no {ref}", argument="inputs", code="CC003")
    return produced[ref.output]


def _shared(weights: tuple[Weight, ...], owner: tuple[Weight, ...]) -> tuple[Weight, ...]:
    """Weights of the same shape as the owner's are the owner's (tied embeddings, reused layers)."""
    available = [w.shape for w in owner]
    marked = []
    for weight in weights:
        if weight.shape in available:
            available.remove(weight.shape)
            weight = weight.replace(shared=True)
        marked.append(weight)
    return tuple(marked)


def node_inputs(outputs: dict[str, tuple[Shape, ...]], node: Node) -> str:
    shapes = [format_shape(outputs[r.node][r.output]) for r in node.inputs if r.output < len(outputs.get(r.node, ()))]
    return ", ".join(shapes)


def _batch_written(spec: Spec, node: Node) -> str:
    """A hint for a layer that cannot take a graph input written with a leading None: `input:`
    leaves the batch out, so [None, 28, 28, 1] is a 4-D sample, and that None may be a batch."""
    for ref in node.inputs:
        for item in spec.inputs:
            if item.name == ref.node and len(item.shape) > 1 and item.shape[0] is None:
                dims = ", ".join("None" if d is None else str(d) for d in item.shape[1:])
                return f"the input leaves the batch out: if its first None is the batch, write [{dims}]"
    return ""


def _located(exc: LayerError, node: Node, label: str, shapes: str, layer_type: LayerType | None) -> SpecError:
    """The error at the argument it is about: by keyword, or by position when it was passed so."""
    message = exc.message
    if exc.code in ("CC200", "CC201") and shapes:
        message += f"; input shape {shapes}"
    argument: int | str = exc.argument
    known = node.layer.arg_locations.keys() | node.layer.arg_offsets.keys()
    if layer_type is not None and isinstance(argument, str) and argument not in known:
        positions = [name for name, _ in layer_type.signature.positional]
        if argument in positions and positions.index(argument) < len(node.layer.args):
            argument = positions.index(argument)
    return SpecError(Diagnostic(node.layer.locate(argument), exc.code, message, exc.hint, label, node.name))
