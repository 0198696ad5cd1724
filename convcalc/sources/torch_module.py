"""PyTorch modules (`pip install 'convcalc[torch]'`): `package.module:factory` or
`path/to/file.py:factory`, the factory called with no arguments on the meta device (no weight is
allocated; on the CPU where its constructor reads a tensor's values), the module traced with
torch.fx and its shapes propagated on meta tensors.

This importer, alone among them, runs code: the user's own, the module and the factory they
name. Every module call becomes the layer of its class (`nn.Conv2d` is `Conv2d`, its arguments
read back from the module's attributes), every function or method call between modules the
stand-in convcalc has for it (`torch.flatten(x, 1)` is `Flatten(1)`, `out += identity` is
`Add`), named by their module path (`layer1.0.conv1` is `layer1_0_conv1`). Where a module class
repeats with the same structure (torchvision's `BasicBlock`, `Bottleneck`), its instances become
one block, whose parameters are the arguments that differ between them (torch_blocks.py).
"""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from convcalc.errors import Location, SpecError
from convcalc.ops.layout import format_shape
from convcalc.sources.draft import Draft


def parse(argument: str) -> tuple[str, str, bool]:
    """(module or file, factory name, whether it is a file).

    >>> parse("torchvision.models:resnet18"), parse("nets/tiny.py:Net")
    (('torchvision.models', 'resnet18', False), ('nets/tiny.py', 'Net', True))
    """
    where, colon, factory = argument.rpartition(":")
    if not colon or not where or not re.fullmatch(r"[A-Za-z_]\w*", factory):
        raise SpecError.at(
            Location(argument),
            "CC001",
            "a PyTorch module is named package.module:factory or path/to/file.py:factory",
            hint="torch:torchvision.models:resnet18, net.py:Net",
        )
    return where, factory, where.endswith(".py")


def draft(path: str, input_shape: tuple[int, ...] | None = None) -> Draft:
    """The Draft of the module `path` names, traced on an input of `input_shape` (batch left out)."""
    try:
        import torch
    except ImportError:
        raise SpecError.at(
            Location(path), "CC001", "importing a PyTorch module needs torch", hint="pip install 'convcalc[torch]'"
        ) from None
    if input_shape is None:
        raise SpecError.at(
            Location(path),
            "CC001",
            "importing a PyTorch module needs its input's shape",
            hint="--input 3,224,224, the batch left out",
        )
    where, factory_name, is_file = parse(path)
    factory = _factory(path, where, factory_name, is_file)
    model, graph = _traced(path, torch, factory, input_shape)
    from convcalc.sources.torch_graph import Converter

    converter = Converter(path, model, graph, input_shape)
    return converter.draft()


def _factory(path: str, where: str, name: str, is_file: bool) -> Any:
    """The factory, from its module (imported) or file (run)."""
    try:
        if is_file:
            from importlib import util

            module_name = "convcalc_import_" + re.sub(r"\W", "_", where)
            spec = util.spec_from_file_location(module_name, where)
            if spec is None or spec.loader is None:
                raise SpecError.at(Location(where), "CC001", "cannot load this file as Python")
            module = util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")  # as `python -m` finds the current directory's modules
            module = importlib.import_module(where)
    except SpecError:
        raise
    except FileNotFoundError:
        raise SpecError.at(Location(where), "CC001", "no such file") from None
    except BaseException as exc:  # the user's code: anything it raises is one line
        raise _failed(path, "importing it", exc) from None
    if not hasattr(module, name):
        raise SpecError.at(Location(path), "CC001", f"{where} has no {name!r}")
    return getattr(module, name)


def _failed(path: str, doing: str, exc: BaseException, where: str = "") -> SpecError:
    message = " ".join(str(exc).split())[:200]
    return SpecError.at(
        Location(path), "CC001", f"{doing} failed{where}: {type(exc).__name__}{': ' + message if message else ''}"
    )


LEAVES = frozenset({"LayerNorm2d", "StochasticDepth"})
"""torchvision classes (torchvision/models/convnext.py, torchvision/ops/stochastic_depth.py) kept
whole, as convcalc's vocabulary has them: traced through, LayerNorm2d is a permute around
F.layer_norm with the module's own weights, StochasticDepth a call that passes its input through
in eval mode."""


def _leaf(module: Any) -> bool:
    """The torchvision classes of LEAVES, and subclasses of a torch.nn class convcalc knows that
    inherit its forward (torch_graph.inherited), kept whole besides torch.nn's."""
    kind = type(module)
    if kind.__name__ in LEAVES and kind.__module__.startswith("torchvision."):
        return True
    from convcalc.frameworks import vocabulary
    from convcalc.sources.torch_graph import inherited

    return inherited(kind, vocabulary("pytorch").types) is not None


def _traced(path: str, torch: Any, factory: Any, input_shape: tuple[int, ...]) -> tuple[Any, Any]:
    """The module built on the meta device, its fx graph, and each node's tensor shapes."""
    try:
        with torch.device("meta"):
            model = factory() if not isinstance(factory, torch.nn.Module) else factory
    except Exception:  # a constructor that reads a tensor's values (RegNet's widths: .tolist()): on the CPU
        try:
            model = factory()
        except BaseException as exc:
            raise _failed(path, "building the module", exc) from None
    except BaseException as exc:
        raise _failed(path, "building the module (on the meta device)", exc) from None
    if not isinstance(model, torch.nn.Module):
        raise SpecError.at(Location(path), "CC001", f"the factory returned a {type(model).__name__}, not a torch.nn.Module")
    ties = _ties(model)
    model = model.to("meta").eval()
    for name, first in ties:  # moved from the CPU, each module's parameters became tensors of their own
        owner, _, leaf = name.rpartition(".")
        setattr(model.get_submodule(owner), leaf, model.get_parameter(first))
    failures: list[SpecError] = []
    for dtype in INPUT_DTYPES:
        try:
            return model, _graph(path, torch, model, input_shape, dtype)
        except SpecError as error:
            failures.append(error)
    floats, *others = (failure.diagnostic for failure in failures)  # a float input's: what most modules take
    tried = "; ".join(f"with {dtype} token ids: {other.message}" for dtype, other in zip(INPUT_DTYPES[1:], others))
    raise SpecError.at(floats.location, floats.code, floats.message, hint=tried)


INPUT_DTYPES = ("float32", "int64")
"""The input's dtypes tried, in turn: values for most modules, token ids for one whose input an
nn.Embedding reads (a language model), which refuses floats."""


def _graph(path: str, torch: Any, model: Any, input_shape: tuple[int, ...], dtype: str) -> Any:
    """The module's fx graph, traced and its shapes propagated on an input of `dtype`."""
    import io

    from torch.fx.passes.shape_prop import ShapeProp

    def zeros(batch: int) -> Any:
        return torch.zeros((batch, *input_shape), device="meta", dtype=getattr(torch, dtype))

    try:
        from convcalc.sources.torch_tracer import BATCHES, same_calls, tracer_class

        fixed = _defaults(model)
        tracer = tracer_class(torch, _leaf)(tuple(zeros(batch) for batch in BATCHES))
        with _one_input(torch, model) as dropped:
            traced = tracer.trace(model, concrete_args=fixed or None)
            next(node for node in traced.nodes if node.op == "output").meta[DROPPED] = tuple(dropped)
            if tracer.diverged:  # a decision batch 1 alone takes otherwise: the path batch 1 takes must be the same calls
                alone = tracer_class(torch, _leaf)((zeros(1),)).trace(model, concrete_args=_defaults(model) or None)
                if not same_calls(traced, alone):
                    raise torch.fx.proxy.TraceError(f"{tracer.diverged[0]} (at batch 1 the module computes other calls)")
        graph = torch.fx.GraphModule(model, traced)
    except BaseException as exc:
        raise _failed(path, "tracing the module with torch.fx", exc) from None
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a failing node's traceback itself
            ShapeProp(graph).propagate(zeros(1))
    except BaseException as exc:
        node = re.search(r"node=%(\w+)", str(exc))  # ShapeProp's wrapper names the node; its cause says what failed
        where = f" at node {node.group(1)!r}" if node else ""
        doing = f"running it on an input of shape {format_shape((1, *input_shape))}"
        raise _failed(path, doing, exc.__cause__ or exc, where) from None
    return graph


DROPPED = "convcalc_dropped"
"""The output node's meta key: the module's outputs left out of the graph's (_one_input)."""


@contextlib.contextmanager
def _one_input(torch: Any, model: Any) -> Iterator[list[str]]:
    """The model, while traced, with a forward of one input calling its own, where its own takes
    `*args` or `**kwargs` (Hugging Face's `**kwargs: Unpack[TransformersKwargs]`, which its
    decorators write into): torch.fx would make a proxy of each, and the decorators fail on it.
    Of the outputs it returns by name, those that hold no tensor torch.fx can record are left out
    (a decoder's key-value DynamicCache, with use_cache=True), each named in the list yielded."""
    import inspect

    kind = type(model)
    dropped: list[str] = []
    try:
        parameters = list(inspect.signature(inspect.unwrap(kind.forward)).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    if not any(p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) for p in parameters):
        yield dropped
        return

    def forward(self: Any, input: Any) -> Any:
        outputs = kind.forward(self, input)
        if not isinstance(outputs, dict):
            return outputs
        kept = {name: value for name, value in outputs.items() if _recordable(torch, value)}
        dropped[:] = [f"{name} (a {type(value).__name__})" for name, value in outputs.items() if name not in kept]
        return kept

    model.__class__ = type(kind.__name__, (kind,), {"forward": forward, "__module__": kind.__module__})
    try:
        yield dropped
    finally:
        model.__class__ = kind


def _recordable(torch: Any, value: Any) -> bool:
    """Whether torch.fx can record `value` as an output: a tensor's proxy, a plain constant, or
    a tuple, list or dict of them."""
    if isinstance(value, tuple | list):
        return all(_recordable(torch, item) for item in value)
    if isinstance(value, dict):
        return all(_recordable(torch, item) for item in value.values())
    return value is None or isinstance(value, torch.fx.Proxy | torch.Tensor | bool | int | float | str)


def _ties(model: Any) -> list[tuple[str, str]]:
    """(name, first name) of each parameter that is an earlier one's tensor (a decoder tied to
    its embedding): `.to("meta")` of a module built on the CPU unties them, and torch counts a
    tied tensor once."""
    firsts: dict[int, str] = {}
    return [
        (name, first)
        for name, tensor in model.named_parameters(remove_duplicate=False)
        if (first := firsts.setdefault(id(tensor), name)) != name
    ]


def _defaults(model: Any) -> dict[str, Any]:
    """The forward's arguments after the input that have defaults, at their defaults (timm's
    VisionTransformer takes `attn_mask=None`): the trace takes the one input."""
    import inspect

    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return {}
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name: p.default for p in parameters[1:] if p.kind in kinds and p.default is not inspect.Parameter.empty}
